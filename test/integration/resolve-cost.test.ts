// The hot path's cost, counted: with warm caches, one DynamoDB read per resolution for any
// target form, and nothing else. Configuration changes arrive within the cache's bound.
import { describe, expect, it } from 'vitest';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { countCommands } from '../support/count-commands.js';
import { useTestService, type ApiClient } from '../support/service.js';

const T = '/v1/tenants/contoso';
let gateway: ApiClient;
const CONFIG_CACHE_MS = 1500;

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

describe('configuration staleness', () => {
  it('reaches resolutions within the cache bound', async () => {
    expect((await gateway.post('/v1/resolve', { target: 'sip:alice@contoso.com' })).body.decision).toBe('hosted');
    await expectCreated(context.api.patch(`${T}/hosting-providers/exo`, { enabled: false }));
    const changedAt = Date.now();
    let answer;
    do {
      answer = (await gateway.post('/v1/resolve', { target: 'sip:alice@contoso.com' })).body;
      if (answer.decision === 'reject') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } while (Date.now() - changedAt < CONFIG_CACHE_MS + 3000);
    expect(answer).toMatchObject({ decision: 'reject', diagnostic: { code: 15033 } });
    // The bound plus the time of one poll and one request on a loaded machine.
    expect(Date.now() - changedAt).toBeLessThanOrEqual(CONFIG_CACHE_MS + 1000);
  });
});
