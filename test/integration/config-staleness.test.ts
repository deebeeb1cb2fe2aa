// How stale a tenant's routing configuration may be on the hot path: a resolution that starts
// after the cache's bound has passed since a change sees the change.
import { describe, expect, it } from 'vitest';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { useTestService, type ApiClient } from '../support/service.js';

const T = '/v1/tenants/contoso';
const CONFIG_CACHE_MS = 1500;
let gateway: ApiClient;

const context = useTestService(
  async (api) => {
    await createTenant(api, 'contoso');
    await setUpHostedProvider(api, 'contoso');
    await expectCreated(
      api.post(`${T}/users`, {
        sipUri: 'sip:alice@contoso.com',
        enterpriseVoiceEnabled: true,
        hostedVoicemailPolicy: 'ExOnline',
        hostedVoicemail: { admin: true },
      }),
    );
    gateway = api.as((await expectCreated(api.post(`${T}/credentials`, { role: 'gateway', name: 'gw' }))).token);
  },
  { configCacheMs: CONFIG_CACHE_MS, credentialCacheMs: 60_000 },
);

describe('configuration staleness', () => {
  it('reaches every resolution that starts once the cache bound has passed', async () => {
    const resolveAlice = async () => (await gateway.post('/v1/resolve', { target: 'sip:alice@contoso.com' })).body;
    expect((await resolveAlice()).decision).toBe('hosted'); // cached from here on
    await expectCreated(context.api.patch(`${T}/hosting-providers/exo`, { enabled: false }));
    const changedAt = Date.now();
    // Earlier resolutions may still see the cached configuration; the clock only decides when to
    // stop asking, so a slow machine makes this test longer, never red.
    let answer;
    let startedAt;
    do {
      startedAt = Date.now();
      answer = await resolveAlice();
      if (answer.decision === 'reject') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } while (startedAt - changedAt <= CONFIG_CACHE_MS);
    expect(answer).toMatchObject({ decision: 'reject', diagnostic: { code: 15033 } });
  });
});
