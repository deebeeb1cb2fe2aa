// Starting a migration of 200 users (issue: it took 30 s under load and the benchmark's load
// client gave up after 10 s): the time of the create and of its dry run through the use case,
// and the DynamoDB requests each costs, on a DynamoDB Local of its own.
import { createApiDeps } from '../functions/wiring/deps.js';
import type { Actor } from '../lib/domain/credential.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { MigrationCreateSchema } from '../lib/domain/migration.js';
import { startMigration } from '../lib/migrations/migrations.js';
import { createDynamoClient } from '../lib/store/client.js';
import { ensureTable } from '../lib/store/create-table.js';
import { ExumStore } from '../lib/store/exum-store.js';
import { TENANT, seedTenantConfig, seedUsers, userSipUri } from './seed.js';
import { median, round } from './stats.js';

export interface MigrationCreateReport {
  migrationCreateUsers: number;
  migrationCreateMs: number;
  migrationDryRunMs: number;
  migrationCreateRequests: number;
  migrationDryRunRequests: number;
  /** Versus one GetItem's median in the same run: what a create costs in round trips' worth. */
  migrationCreateVsGetItem: number;
  /** Creates and dry runs that failed (counted in the times as what they cost). */
  migrationCreateFailures: number;
}

const TABLE = 'bench-migration-create';

export interface MigrationCreateOptions {
  users?: number;
  runs?: number;
  /** Readers looping on GetItems meanwhile (as resolutions do): the wait of each round trip grows with them. */
  readers?: number;
}

export async function measureMigrationCreate(options: MigrationCreateOptions = {}): Promise<MigrationCreateReport> {
  const users = options.users ?? 200;
  const runs = options.runs ?? 5;
  const readers = options.readers ?? 0;
  const dynamo = await startDynamoDbLocal();
  // The service's client as deployed (2 s a request); the seeding one waits out a busy machine.
  const client = createDynamoClient({ endpoint: dynamo.endpoint });
  const seedingClient = createDynamoClient({ endpoint: dynamo.endpoint, requestTimeoutMs: 60_000 });
  try {
    await ensureTable(seedingClient, TABLE);
    const store = new ExumStore(client, TABLE);
    const deps = createApiDeps(store);
    await seedTenantConfig(createApiDeps(new ExumStore(seedingClient, TABLE)));
    // One slice of users a run (a user is in one open migration at a time), and a warm-up slice.
    await seedUsers(seedingClient, TABLE, 0, users * (runs + 1));
    let requests = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        requests++;
        return next(args);
      },
      { step: 'initialize', name: 'count-requests' },
    );
    const admin: Actor = { credentialId: 'cred_bench_admin', role: 'user-admin', tenantId: TENANT, providerId: null };
    const input = (slice: number) => ({
      users: Array.from({ length: users }, (_, index) => userSipUri(slice * users + index)),
      providerId: 'exo',
      grantPolicy: 'ExOnline',
      waveSize: 20,
    });
    // A create that fails (the store timing out on a busy machine) is counted, not fatal.
    let failures = 0;
    const timed = async (slice: number, dryRun: boolean) => {
      requests = 0;
      const start = performance.now();
      try {
        await startMigration(deps, admin, TENANT, input(slice), { dryRun, ifMatch: null });
      } catch {
        failures++;
      }
      return { ms: performance.now() - start, requests };
    };
    // The readers have a client of their own: only the migration's requests are counted.
    const readerClient = createDynamoClient({ endpoint: dynamo.endpoint });
    const readerStore = new ExumStore(readerClient, TABLE);
    let reading = true;
    const busy = Array.from({ length: readers }, async () => {
      for (let read = 0; reading; read++) await readerStore.principals.get(TENANT, userSipUri(read % users), false);
    });
    await timed(runs, true);
    await timed(runs, false);
    failures = 0;
    const dryRuns: { ms: number; requests: number }[] = [];
    const creates: { ms: number; requests: number }[] = [];
    const getItemMs: number[] = [];
    for (let run = 0; run < runs; run++) {
      dryRuns.push(await timed(run, true));
      creates.push(await timed(run, false));
      for (let sample = 0; sample < 20; sample++) {
        const start = performance.now();
        await store.principals.get(TENANT, userSipUri(sample));
        getItemMs.push(performance.now() - start);
      }
    }
    reading = false;
    await Promise.all(busy);
    readerClient.destroy();
    const createMs = median(creates.map((run) => run.ms));
    return {
      migrationCreateUsers: users,
      migrationCreateMs: round(createMs, 1),
      migrationDryRunMs: round(median(dryRuns.map((run) => run.ms)), 1),
      migrationCreateRequests: Math.max(...creates.map((run) => run.requests)),
      migrationDryRunRequests: Math.max(...dryRuns.map((run) => run.requests)),
      migrationCreateVsGetItem: round(createMs / median(getItemMs), 1),
      migrationCreateFailures: failures,
    };
  } finally {
    client.destroy();
    seedingClient.destroy();
    await dynamo.stop();
  }
}

export interface MigrationCreateScaleReport {
  /** The answer to a start of 10,000 users ÷ that of 10 users, medians of the same run (target ≤ 2). */
  migrationCreate10kVs10: number;
  migrationCreate10kMs: number;
  migrationCreate10Ms: number;
  /** What each answered: 202 (accepted, enrolled in the background) for 10,000, 201 (enrolled) for 10. */
  migrationCreate10kState: string;
  migrationCreate10State: string;
}

/**
 * Starting a migration answers in bounded time whatever its size (issue 15, item 4): the answer
 * to a start of 10,000 users against that of 10, each a start as the API makes it (the body's JSON
 * parsed and checked with the route's schema, then the use case), alternated, `runs` of each
 * (median), on a DynamoDB Local of its own. Each start has users of its own (a user is in one open
 * migration at a time; the 10 users exist and are checked and enrolled in the request; the
 * 10,000 are accepted, their enrollment left to the stream processor, which does not run here).
 */
export async function measureMigrationCreateScale(runs = 5): Promise<MigrationCreateScaleReport> {
  const dynamo = await startDynamoDbLocal();
  const client = createDynamoClient({ endpoint: dynamo.endpoint });
  const seedingClient = createDynamoClient({ endpoint: dynamo.endpoint, requestTimeoutMs: 60_000 });
  const table = `${TABLE}-scale`;
  try {
    await ensureTable(seedingClient, table);
    const deps = createApiDeps(new ExumStore(client, table));
    await seedTenantConfig(createApiDeps(new ExumStore(seedingClient, table)));
    await seedUsers(seedingClient, table, 0, 10 * (runs + 1));
    const admin: Actor = { credentialId: 'cred_bench_admin', role: 'user-admin', tenantId: TENANT, providerId: null };
    const bodyOf = (users: string[]) => JSON.stringify({ users, providerId: 'exo', grantPolicy: 'ExOnline', waveSize: 500 });
    const timed = async (body: string) => {
      const start = performance.now();
      const outcome = await startMigration(deps, admin, TENANT, MigrationCreateSchema.parse(JSON.parse(body)), {
        dryRun: false,
        ifMatch: null,
      });
      const ms = performance.now() - start;
      return { ms, state: outcome.dryRun ? 'dry run' : outcome.record.state };
    };
    const large = (run: number) => bodyOf(Array.from({ length: 10_000 }, (_, index) => `sip:bulk${run}-${index}@bench.example.com`));
    const small = (run: number) => bodyOf(Array.from({ length: 10 }, (_, index) => userSipUri(run * 10 + index)));
    // Warm-up of each (the last slices), then the runs alternated.
    await timed(large(runs));
    await timed(small(runs));
    const larges: { ms: number; state: string }[] = [];
    const smalls: { ms: number; state: string }[] = [];
    for (let run = 0; run < runs; run++) {
      larges.push(await timed(large(run)));
      smalls.push(await timed(small(run)));
    }
    const largeMs = median(larges.map((sample) => sample.ms));
    const smallMs = median(smalls.map((sample) => sample.ms));
    return {
      migrationCreate10kVs10: round(largeMs / smallMs, 2),
      migrationCreate10kMs: round(largeMs, 1),
      migrationCreate10Ms: round(smallMs, 1),
      migrationCreate10kState: larges[0]!.state,
      migrationCreate10State: smalls[0]!.state,
    };
  } finally {
    client.destroy();
    seedingClient.destroy();
    await dynamo.stop();
  }
}
