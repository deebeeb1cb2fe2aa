// The hot path's cost, counted: with warm caches, one DynamoDB read per resolution for any
// target form, and nothing else (the stale-if-error of its Cache-Control comes from the cached
// configuration too); one Query per GET /v1/voicemail-numbers, a 304 included.
// (How stale the cached configuration may be: config-staleness.test.ts.)
import { describe, expect, it } from 'vitest';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { countCommands } from '../support/count-commands.js';
import { useTestService, type ApiClient } from '../support/service.js';

const T = '/v1/tenants/contoso';
let gateway: ApiClient;
// Long enough that no reload of the tenant's configuration falls inside the count, however slow the machine.
const CONFIG_CACHE_MS = 600_000;

const context = useTestService(
  async (api) => {
    await createTenant(api, 'contoso');
    await setUpHostedProvider(api, 'contoso');
    await expectCreated(
      api.post(`${T}/users`, {
        sipUri: 'sip:alice@contoso.com',
        lineUri: 'tel:+14255550100',
        enterpriseVoiceEnabled: true,
        hostedVoicemailPolicy: 'ExOnline',
        hostedVoicemail: { admin: true },
      }),
    );
    await expectCreated(
      api.post(`${T}/contacts`, { sipUri: 'sip:sa@contoso.com', displayNumber: '+14255550199', hostedVoicemailPolicy: 'ExOnline' }),
    );
    // Written gateway settings, so that the count covers reading them (from the cached configuration).
    await expectCreated(api.put(`${T}/gateway-settings`, { staleIfErrorSeconds: 3_600 }));
    gateway = api.as((await expectCreated(api.post(`${T}/credentials`, { role: 'gateway', name: 'gw' }))).token);
  },
  { configCacheMs: CONFIG_CACHE_MS, credentialCacheMs: 60_000 },
);

describe('reads per resolution', () => {
  it('is one GetItem for SIP addresses, line URIs, display numbers and unknown targets', async () => {
    const targets = [
      'sip:alice@contoso.com;opaque=app:voicemail',
      'tel:+14255550100',
      '+14255550199',
      'sip:sa@contoso.com',
      'sip:nobody@contoso.com',
      'tel:+19999999999',
    ];
    await gateway.post('/v1/resolve', { target: targets[0] }); // warm the caches
    const counter = countCommands(context.service.dynamoClient);
    try {
      for (let round = 0; round < 5; round++) {
        for (const target of targets) {
          const answer = await gateway.post('/v1/resolve', { target });
          expect(answer.status).toBe(200);
          expect(answer.headers.get('cache-control')).toMatch(/^max-age=(0|600), stale-if-error=3600$/);
        }
      }
      expect(counter.counts()).toEqual({ GetItemCommand: 5 * targets.length });
      counter.reset();
      // A host outside the tenant's domains is refused without reading anything.
      await gateway.post('/v1/resolve', { target: 'sip:alice@fabrikam.com' });
      expect(counter.counts()).toEqual({});
    } finally {
      counter.stop();
    }
  });
});

describe('requests per GET /v1/voicemail-numbers', () => {
  it('is one Query of the contacts, whether it answers the list or 304', async () => {
    const first = await gateway.get('/v1/voicemail-numbers'); // warm the caches
    expect(first.body.numbers).toEqual([{ number: '+14255550199', kind: 'subscriber-access', sipUri: 'sip:sa@contoso.com' }]);
    const etag = first.headers.get('etag')!;
    const counter = countCommands(context.service.dynamoClient);
    try {
      for (let call = 0; call < 5; call++) expect((await gateway.get('/v1/voicemail-numbers')).status).toBe(200);
      expect(counter.counts()).toEqual({ QueryCommand: 5 });
      counter.reset();
      for (let call = 0; call < 5; call++) {
        expect((await gateway.get('/v1/voicemail-numbers', { headers: { 'if-none-match': etag } })).status).toBe(304);
      }
      expect(counter.counts()).toEqual({ QueryCommand: 5 });
    } finally {
      counter.stop();
    }
  });
});
