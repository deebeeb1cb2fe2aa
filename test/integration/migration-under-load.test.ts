// A migration of 1,000 users under continuous resolve traffic: no call routes hosted before its
// provider said ready, and none on premises after.
import { describe, expect, it } from 'vitest';
import { expectCreated, setUpHostedProviderWithEvents } from '../support/fixtures.js';
import { PROVIDER_SECRET, useProviderServer } from '../support/provider-server.js';
import { useTestService, type ApiClient } from '../support/service.js';

const T = '/v1/tenants/contoso';
const USERS = 1000;
const sipUriOf = (index: number) => `sip:load${index}@contoso.com`;
let exo: ApiClient;
let gateway: ApiClient;

const provider = useProviderServer();

const context = useTestService(
  async (api) => {
    await setUpHostedProviderWithEvents(api, 'contoso', provider.url, PROVIDER_SECRET);
    await expectCreated(
      api.post(`${T}/dial-plans`, {
        id: 'dp.contoso.com',
        uriType: 'sip-name',
        voipSecurity: 'secured',
        servers: [{ fqdn: 'um01.contoso.local', exchangeVersion: 15 }],
      }),
    );
    for (let start = 0; start < USERS; start += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, offset) => start + offset).map((index) =>
          expectCreated(
            api.post(`${T}/users`, {
              sipUri: sipUriOf(index),
              enterpriseVoiceEnabled: true,
              onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' },
            }),
          ),
        ),
      );
    }
    exo = api.as((await expectCreated(api.post(`${T}/credentials`, { role: 'provider', name: 'exo', providerId: 'exo' }))).token);
    gateway = api.as((await expectCreated(api.post(`${T}/credentials`, { role: 'gateway', name: 'gw' }))).token);
  },
  { streamProcessor: true, configCacheMs: 5_000, credentialCacheMs: 30_000, allowLoopbackProviders: true },
);
const { api } = context;

describe('1,000 users under resolve traffic', () => {
  it('never routes a user hosted before ready, nor on premises after', { timeout: 240_000 }, async () => {
    const readySentAt = new Map<string, number>();
    const readyDoneAt = new Map<string, number>();
    const answers: Promise<unknown>[] = [];
    provider.behave((event) => {
      if (event.type === 'user.migration.requested') {
        const sipUri = String(event.data.sipUri);
        // The provider provisions, then answers through the API, a moment later.
        answers.push(
          (async () => {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
            readySentAt.set(sipUri, Date.now());
            const answer = await exo.put(`${T}/migrations/${String(event.data.migrationId)}/users/${sipUri}/answer`, { status: 'ready' });
            if (answer.status !== 200) throw new Error(`answer ${sipUri}: ${answer.status}`);
            readyDoneAt.set(sipUri, Date.now());
          })(),
        );
      }
      return { status: 204 };
    });

    const resolutions: { sipUri: string; startedAt: number; endedAt: number; decision: string }[] = [];
    let traffic = true;
    const resolveLoop = async () => {
      while (traffic) {
        const sipUri = sipUriOf(Math.floor(Math.random() * USERS));
        const startedAt = Date.now();
        const answer = await gateway.post('/v1/resolve', { target: sipUri });
        expect(answer.status).toBe(200);
        resolutions.push({ sipUri, startedAt, endedAt: Date.now(), decision: answer.body.decision });
      }
    };
    const loops = Array.from({ length: 4 }, resolveLoop);

    const started = await api.post(`${T}/migrations`, {
      filter: { domain: 'contoso.com' },
      providerId: 'exo',
      grantPolicy: 'ExOnline',
      waveSize: 250,
    });
    // A filter: accepted at once (202), its users selected and enrolled in the background.
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const deadline = Date.now() + 200_000;
    let progress;
    do {
      await new Promise((resolve) => setTimeout(resolve, 500));
      progress = (await api.get(`${started.headers.get('location')}?limit=1`)).body;
    } while ((progress.migration.state === 'running' || progress.migration.state === 'enrolling') && Date.now() < deadline);
    expect(progress.migration.userCount).toBe(USERS);
    traffic = false;
    await Promise.all(loops);
    await Promise.all(answers);

    expect(progress.migration.state).toBe('completed');
    expect(progress.counts.completed).toBe(USERS);
    expect(resolutions.length).toBeGreaterThan(200);
    for (const resolution of resolutions) {
      const sent = readySentAt.get(resolution.sipUri);
      const done = readyDoneAt.get(resolution.sipUri);
      if (resolution.decision === 'hosted')
        expect(sent !== undefined && resolution.endedAt >= sent, `${resolution.sipUri} hosted before ready`).toBe(true);
      if (resolution.decision === 'on-premises' && done !== undefined)
        expect(resolution.startedAt < done, `${resolution.sipUri} on premises after ready`).toBe(true);
    }
    // Every user routes hosted now.
    for (const index of [0, 1, 499, 999])
      expect((await gateway.post('/v1/resolve', { target: sipUriOf(index) })).body.decision).toBe('hosted');
  });
});
