// A migration end to end: waves, signed provider events, provider answers flipping routing on
// the next call, progress, overlap refusal, foreign answers refused, rollback and cancel.
import { describe, expect, it } from 'vitest';
import { createTenant, expectCreated, setUpHostedProvider, setUpHostedProviderWithEvents } from '../support/fixtures.js';
import { PROVIDER_SECRET, useProviderServer } from '../support/provider-server.js';
import { expectDocumented } from '../support/documented.js';
import { useTestService, type ApiClient } from '../support/service.js';

const T = '/v1/tenants/contoso';
let exo: ApiClient;
let otherProvider: ApiClient;
let foreignProvider: ApiClient;
let gateway: ApiClient;
const users = Array.from({ length: 6 }, (_, index) => `sip:user${index}@contoso.com`);

const provider = useProviderServer();

const context = useTestService(
  async (api) => {
    await setUpHostedProviderWithEvents(api, 'contoso', provider.url, PROVIDER_SECRET);
    await expectCreated(api.post(`${T}/hosting-providers`, { id: 'other', proxyFqdn: 'proxy.other-provider.com' }));
    await expectCreated(
      api.post(`${T}/dial-plans`, {
        id: 'dp.contoso.com',
        uriType: 'sip-name',
        voipSecurity: 'secured',
        servers: [{ fqdn: 'um01.contoso.local', exchangeVersion: 15 }],
      }),
    );
    for (const [index, sipUri] of users.entries()) {
      await expectCreated(
        api.post(`${T}/users`, {
          sipUri,
          lineUri: `tel:+1425555${7000 + index}`,
          enterpriseVoiceEnabled: true,
          onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' },
        }),
      );
    }
    exo = api.as((await expectCreated(api.post(`${T}/credentials`, { role: 'provider', name: 'exo', providerId: 'exo' }))).token);
    otherProvider = api.as(
      (await expectCreated(api.post(`${T}/credentials`, { role: 'provider', name: 'other', providerId: 'other' }))).token,
    );
    gateway = api.as((await expectCreated(api.post(`${T}/credentials`, { role: 'gateway', name: 'gw' }))).token);
    await createTenant(api, 'fabrikam');
    await setUpHostedProvider(api, 'fabrikam');
    foreignProvider = api.as(
      (await expectCreated(api.post('/v1/tenants/fabrikam/credentials', { role: 'provider', name: 'exo', providerId: 'exo' }))).token,
    );
  },
  { streamProcessor: true, allowLoopbackProviders: true },
);
const { api } = context;

/** The table once the stream processor has nothing left to do (it writes asynchronously). */
const settledSnapshot = async () => {
  await context.service.streamDriver!.drained();
  return context.service.snapshot();
};

const decisionFor = async (sipUri: string) => (await gateway.post('/v1/resolve', { target: sipUri })).body.decision;
let migrationId: string;

describe('a migration in waves', () => {
  it('starts: users pending, the first wave requested, routing unchanged', async () => {
    const started = await api.post(`${T}/migrations`, {
      users: users.slice(0, 5),
      providerId: 'exo',
      grantPolicy: 'ExOnline',
      waveSize: 2,
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(started.body).toMatchObject({ providerId: 'exo', state: 'running', waveCount: 3, userCount: 5, currentWave: 1 });
    migrationId = started.body.id;
    expectDocumented('POST', '/v1/tenants/{tenant}/migrations', started);

    await provider.waitFor(() => provider.ofType('user.migration.requested').length === 2);
    expect(
      provider
        .ofType('user.migration.requested')
        .map((event) => event.data.sipUri)
        .sort(),
    ).toEqual(users.slice(0, 2));
    const requested = provider.ofType('user.migration.requested')[0]!;
    expect(requested.data).toMatchObject({ migrationId, destination: 'exap.um.outlook.com', organizations: ['contoso.onmicrosoft.com'] });
    expect(requested.headers['webhook-signature']).toMatch(/^v1,/);
    expect(provider.refusedSignatures).toEqual([]);
    // Requested changes nothing for routing; the policy tag was granted.
    expect(await decisionFor(users[0]!)).toBe('on-premises');
    expect((await api.get(`${T}/users/${users[0]}`)).body.hostedVoicemailPolicy).toBe('ExOnline');
  });

  it('answers the same request again (a retry after a lost answer) with the migration it started, starting nothing new', async () => {
    const before = await settledSnapshot();
    const request = { users: users.slice(0, 5), providerId: 'exo', grantPolicy: 'ExOnline', waveSize: 2 };
    const again = await api.post(`${T}/migrations`, request);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body).toMatchObject({ id: migrationId, currentWave: 1, userCount: 5 });
    expect(again.body.warnings).toEqual([expect.stringContaining(migrationId)]);
    expectDocumented('POST', '/v1/tenants/{tenant}/migrations', again);
    const dryRun = await api.post(`${T}/migrations?dryRun=true`, request);
    expect(dryRun.status).toBe(200);
    expect(dryRun.body).toMatchObject({ dryRun: true, changes: [], warnings: [expect.stringContaining(migrationId)] });
    expect(await settledSnapshot()).toBe(before);
  });

  it('refuses a second migration for users already in the first', async () => {
    const before = await settledSnapshot();
    const overlapping = await api.post(`${T}/migrations`, { users: [users[5], users[4]], providerId: 'exo', grantPolicy: 'ExOnline' });
    expect(overlapping.status).toBe(409);
    expect(overlapping.body.errors).toEqual([expect.objectContaining({ field: 'users.1', rule: 'one-open-migration-per-user' })]);
    expect(await settledSnapshot()).toBe(before);
  });

  it('refuses answers from another provider or another tenant, changing nothing', async () => {
    const before = await settledSnapshot();
    expect((await otherProvider.put(`${T}/migrations/${migrationId}/users/${users[0]}/answer`, { status: 'ready' })).status).toBe(403);
    expect((await foreignProvider.put(`${T}/migrations/${migrationId}/users/${users[0]}/answer`, { status: 'ready' })).status).toBe(404);
    expect((await api.put(`${T}/migrations/${migrationId}/users/${users[0]}/answer`, { status: 'ready' })).status).toBe(403);
    expect(await settledSnapshot()).toBe(before);
  });

  it('flips routing on the next call after ready; failed leaves it; both idempotent', async () => {
    const ready = await exo.put(`${T}/migrations/${migrationId}/users/${users[0]}/answer`, { status: 'ready' });
    expect(ready.status).toBe(200);
    expect(ready.body.state).toBe('completed');
    expectDocumented('PUT', '/v1/tenants/{tenant}/migrations/{migrationId}/users/{sipUri}/answer', ready);
    expect(await decisionFor(users[0]!)).toBe('hosted');
    expect((await exo.put(`${T}/migrations/${migrationId}/users/${users[0]}/answer`, { status: 'ready' })).body.state).toBe('completed');
    expect((await exo.put(`${T}/migrations/${migrationId}/users/${users[0]}/answer`, { status: 'failed', reason: 'x' })).status).toBe(409);

    const failed = await exo.put(`${T}/migrations/${migrationId}/users/${users[1]}/answer`, { status: 'failed', reason: 'mailbox quota' });
    expect(failed.body).toMatchObject({ state: 'failed', failureReason: 'mailbox quota' });
    expect(await decisionFor(users[1]!)).toBe('on-premises');
    // A user of a later wave cannot be answered before it is requested.
    expect((await exo.put(`${T}/migrations/${migrationId}/users/${users[4]}/answer`, { status: 'ready' })).status).toBe(409);
  });

  it('advances to the next wave once the previous one settled, and tells the provider everything', async () => {
    await provider.waitFor(() => provider.ofType('user.migration.requested').length === 4);
    expect(
      provider
        .ofType('user.migration.requested')
        .slice(2)
        .map((event) => event.data.sipUri)
        .sort(),
    ).toEqual(users.slice(2, 4));
    await provider.waitFor(
      () =>
        provider.ofType('user.migration.completed', users[0]).length === 1 &&
        provider.ofType('user.migration.failed', users[1]).length === 1,
    );
    expect(provider.ofType('user.migration.failed', users[1])[0]!.data.reason).toBe('mailbox quota');
    await provider.waitFor(() => provider.ofType('user.hosted-voicemail.changed', users[0]).length === 1);
    expect(provider.ofType('user.hosted-voicemail.changed', users[0])[0]!.data).toMatchObject({
      hosted: true,
      hostedVoicemail: { admin: null, provider: true },
    });
    const ids = provider.received.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('reports progress: counts per state, the time of each step and the last delivery', async () => {
    const progress = await api.get(`${T}/migrations/${migrationId}`);
    expect(progress.status).toBe(200);
    expectDocumented('GET', '/v1/tenants/{tenant}/migrations/{migrationId}', progress);
    expectDocumented('GET', '/v1/tenants/{tenant}/migrations', await api.get(`${T}/migrations`));
    expect(progress.body.counts).toEqual({ pending: 1, requested: 2, completed: 1, failed: 1, 'rolled-back': 0, cancelled: 0 });
    const first = progress.body.users.find((user: { sipUri: string }) => user.sipUri === users[0]);
    expect(first.steps.requestedAt).not.toBeNull();
    expect(first.steps.completedAt >= first.steps.requestedAt).toBe(true);
    // The last delivery is recorded just after the provider answered: let the processor finish.
    await context.service.streamDriver!.drained();
    const refreshed = (await api.get(`${T}/migrations/${migrationId}`)).body.users.find(
      (user: { sipUri: string }) => user.sipUri === users[0],
    );
    expect(refreshed.lastDelivery).toMatchObject({ type: 'user.migration.completed', outcome: 'delivered', status: 204 });
  });

  it('refuses to roll back a user who is not in the migration, rolling back no one', async () => {
    const answer = await api.post(`${T}/migrations/${migrationId}/rollback`, { users: [users[0], 'sip:stranger@contoso.com'] });
    expect(answer.status).toBe(404);
    expect(answer.body.errors[0]).toMatchObject({ field: 'users.1', rule: 'in-migration' });
    expect((await api.get(`${T}/users/${users[0]}`)).body.hostedVoicemail.provider).toBe(true);
  });

  it('rolls a completed user back: the provider flag is cleared, routing returns on premises, the provider is told', async () => {
    const rolled = await api.post(`${T}/migrations/${migrationId}/rollback`, { users: [users[0]] });
    expect(rolled.body).toEqual({ rolledBack: [users[0]], skipped: [] });
    expectDocumented('POST', '/v1/tenants/{tenant}/migrations/{migrationId}/rollback', rolled);
    expect((await api.get(`${T}/users/${users[0]}`)).body.hostedVoicemail.provider).toBeNull();
    expect(await decisionFor(users[0]!)).toBe('on-premises');
    await provider.waitFor(() => provider.ofType('user.migration.rolled-back', users[0]).length === 1);
  });

  it('cancels: pending users are cancelled and free for another migration', async () => {
    const cancelled = await api.post(`${T}/migrations/${migrationId}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
    expectDocumented('POST', '/v1/tenants/{tenant}/migrations/{migrationId}/cancel', cancelled);
    const progress = (await api.get(`${T}/migrations/${migrationId}`)).body;
    expect(progress.counts.pending).toBe(0);
    expect(progress.counts.cancelled).toBe(1);
    const next = await api.post(`${T}/migrations`, { users: [users[4], users[5]], providerId: 'exo', grantPolicy: 'ExOnline' });
    expect(next.status, JSON.stringify(next.body)).toBe(201);
  });

  it('starts one migration for the same request made twice at once; another credential making it is refused', async () => {
    // users[0] was rolled back and users[1] failed: both are free.
    const request = { users: [users[0], users[1]], providerId: 'exo', grantPolicy: 'ExOnline', waveSize: 1 };
    const [first, second] = await Promise.all([api.post(`${T}/migrations`, request), api.post(`${T}/migrations`, request)]);
    expect([first.status, second.status], JSON.stringify([first.body, second.body])).toEqual([201, 201]);
    expect(second.body.id).toBe(first.body.id);
    const listed = (await api.get(`${T}/migrations?limit=500`)).body.items.filter(
      (migration: { createdAt: string }) => migration.createdAt >= first.body.createdAt,
    );
    expect(listed.map((migration: { id: string }) => migration.id)).toEqual([first.body.id]);
    await context.service.streamDriver!.drained();
    expect((await api.get(`${T}/migrations/${first.body.id}`)).body.counts).toMatchObject({ pending: 1, requested: 1 });

    const otherAdmin = api.as((await expectCreated(api.post(`${T}/credentials`, { role: 'user-admin', name: 'second admin' }))).token);
    const refused = await otherAdmin.post(`${T}/migrations`, request);
    expect(refused.status).toBe(409);
    expect(refused.body.errors[0]).toMatchObject({ rule: 'one-open-migration-per-user' });
  });
});
