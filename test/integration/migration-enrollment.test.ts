// Starting a migration in bounded time whatever its size (issue 15, item 4): 10,000 users are
// accepted at once (202, Location, enrolling), checked and enrolled by the stream processor, and
// the migration then runs from wave 1; a refusal found in the background ends the migration
// refused with the reasons, leaving nobody claimed.
import { describe, expect, it } from 'vitest';
import { seedUsers, userSipUri } from '../../bench/seed.js';
import { expectDocumented } from '../support/documented.js';
import { expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { testDynamoClient, useTestService } from '../support/service.js';

const TENANT = 'benchco';
const T = `/v1/tenants/${TENANT}`;
const LARGE = 10_000;
/** Users seeded: the large migration's, then 300 more. */
const SEEDED = LARGE + 300;

const context = useTestService(
  async (api) => {
    await expectCreated(api.post('/v1/tenants', { id: TENANT, name: 'Bench Co', domains: ['bench.example.com'] }));
    await setUpHostedProvider(api, TENANT);
    await expectCreated(
      api.post(`${T}/dial-plans`, {
        id: 'dp.bench.example.com',
        uriType: 'sip-name',
        voipSecurity: 'secured',
        servers: [{ fqdn: 'um01.bench.local', exchangeVersion: 15 }],
      }),
    );
    const client = testDynamoClient(context.service.dynamoEndpoint);
    try {
      await seedUsers(client, context.service.tableName, 0, SEEDED, 8);
    } finally {
      client.destroy();
    }
  },
  { streamProcessor: true },
);
const { api } = context;

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => userSipUri(from + index));

/** Reads the migration at `location` until `done` says so (the stream processor works in the background). */
async function until(location: string, done: (progress: { migration: { state: string }; counts: Record<string, number> }) => boolean) {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const progress = await api.get(`${location}?limit=1`);
    expect(progress.status).toBe(200);
    if (done(progress.body)) return progress.body;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${JSON.stringify(progress.body.migration)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('a migration of 10,000 users', () => {
  let location: string;

  it('is accepted at once: 202, a Location, enrolling', async () => {
    const started = await api.post(`${T}/migrations`, {
      users: range(0, LARGE),
      providerId: 'exo',
      grantPolicy: 'ExOnline',
      waveSize: 1000,
    });
    expect(started.status, JSON.stringify(started.body).slice(0, 500)).toBe(202);
    expect(started.body).toMatchObject({ state: 'enrolling', userCount: LARGE, currentWave: 0, refusal: null });
    location = started.headers.get('location')!;
    expect(location).toBe(`${T}/migrations/${started.body.id}`);
    expectDocumented('POST', '/v1/tenants/{tenant}/migrations', started);
  });

  it('is enrolled in the background, then runs from wave 1', { timeout: 700_000 }, async () => {
    const running = await until(location, (progress) => progress.migration.state !== 'enrolling');
    expect(running.migration).toMatchObject({ state: 'running', currentWave: 1, waveCount: 10, userCount: LARGE, refusal: null });
    const counts = (await until(location, (progress) => progress.counts.requested === 1000)).counts;
    expect(counts.pending + counts.requested).toBe(LARGE);
  });

  it(
    'refuses in the background a migration with a user already in another: the reasons named, nobody left claimed',
    { timeout: 700_000 },
    async () => {
      // 149 free users and one of the running migration's, at position 77.
      const users = [...range(LARGE, LARGE + 77), userSipUri(5), ...range(LARGE + 77, LARGE + 149)];
      const started = await api.post(`${T}/migrations`, { users, providerId: 'exo', grantPolicy: 'ExOnline' });
      expect(started.status).toBe(202);
      const refused = await until(started.headers.get('location')!, (progress) => progress.migration.state !== 'enrolling');
      expect(refused.migration).toMatchObject({
        state: 'refused',
        refusal: { status: 409, errors: [expect.objectContaining({ field: 'users.77', rule: 'one-open-migration-per-user' })] },
      });
      expect(Object.values(refused.counts).every((count) => count === 0)).toBe(true);
      // The 149 free users were left free: another migration takes them all.
      const next = await api.post(`${T}/migrations`, { users: range(LARGE, LARGE + 149), providerId: 'exo', grantPolicy: 'ExOnline' });
      expect(next.status).toBe(202);
      const running = await until(next.headers.get('location')!, (progress) => progress.migration.state !== 'enrolling');
      expect(running.migration).toMatchObject({ state: 'running', userCount: 149 });
    },
  );

  it('checks all users in a dry run as the start does, and answers a small start at once (201, running)', async () => {
    const dryRun = await api.post(`${T}/migrations?dryRun=true`, { users: [userSipUri(LARGE + 200), userSipUri(7)], providerId: 'exo' });
    expect(dryRun.status).toBe(409);
    expect(dryRun.body.errors).toEqual([expect.objectContaining({ field: 'users.1', rule: 'one-open-migration-per-user' })]);
    const small = await api.post(`${T}/migrations`, { users: range(LARGE + 200, LARGE + 210), providerId: 'exo', grantPolicy: 'ExOnline' });
    expect(small.status).toBe(201);
    expect(small.body).toMatchObject({ state: 'running', currentWave: 1, userCount: 10 });
    expect(small.headers.get('location')).toBe(`${T}/migrations/${small.body.id}`);
  });
});
