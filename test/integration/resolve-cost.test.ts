// The hot path's cost, counted: with warm caches, one DynamoDB read per resolution for any
// target form, and nothing else. (How stale the cached configuration may be: config-staleness.test.ts.)
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
        for (const target of targets) expect((await gateway.post('/v1/resolve', { target })).status).toBe(200);
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
