// The load run of issue 7: resolutions at a steady rate through the local server (its own
// process, stream processor on), while user admins write and a migration runs with a provider
// answering. Reports sustained resolutions per second, p50/p99, every error and 5xx, and the
// server's memory before and after. `npm run bench` runs it for ten minutes; a test, briefly.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { createApiDeps } from '../functions/wiring/deps.js';
import type { Actor } from '../lib/domain/credential.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { hostingProviders } from '../lib/management/tenant-configuration.js';
import { createDynamoClient } from '../lib/store/client.js';
import { ensureTable } from '../lib/store/create-table.js';
import { ExumStore } from '../lib/store/exum-store.js';
import { PROVIDER_SECRET } from '../test/support/provider-server.js';
import { startBenchProcess, stopBenchProcess } from './child-process.js';
import { TENANT, resolveRequests, seedTenantConfig, seedToken, seedUsers, userSipUri } from './seed.js';
import { round } from './stats.js';

export interface LoadOptions {
  seconds: number;
  /** Resolutions per second offered (autocannon's overall rate). */
  rate: number;
  users?: number;
  log?: (message: string) => void;
}

export interface LoadReport {
  loadResolvesPerSecond: number;
  loadOfferedPerSecond: number;
  loadP50Ms: number;
  loadP99Ms: number;
  /** Failed resolutions (non-2xx, timeouts, connection errors) and writes answered 5xx or not at all. */
  loadErrors: number;
  load5xx: number;
  loadWrites: number;
  loadWritesRefused: number;
  /** Users of the migration completed when it ended (all of them: it is waited for). */
  loadMigratedUsers: number;
  /** From the migration's start request to its last user completed. */
  loadMigrationSeconds: number;
  /** Writes answered 2xx whose effect was read back at the end, and those of them not found. */
  loadWritesChecked: number;
  loadWritesLost: number;
  loadRssBeforeMb: number;
  loadRssAfterMb: number;
  loadRssQuarterMb: number;
  loadRssAfterVsQuarter: number;
  loadRssGrowthMb: number;
  loadSustainedVsOffered: number;
  loadRssAfterVsBefore: number;
  loadSeconds: number;
}

const OPERATOR = 'exum_load_operator_token_000000000000001';
const TABLE = 'load-routing';
const MIGRATED = 200;
/** Only ends a hang: a request of the load client that gets no answer at all within it is an error. */
const REQUEST_HANG_MS = 120_000;
/** Only ends a hang: the migration is waited for until it completes, at any speed, but not forever. */
const MIGRATION_HANG_MS = 30 * 60_000;

/** A process's resident memory in MB, from /proc (Linux). */
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** The fields of the answers the load client reads (the rest is not looked at). */
interface AnswerBody {
  id?: string;
  displayName?: string;
  site?: string;
  migration?: { state: string };
  counts?: { completed: number };
  users?: { sipUri: string; state: string }[];
  nextCursor?: string | null;
}

/** A small JSON client for the writers and the provider, counting what the server failed. */
function apiAt(url: string, counts: { writes: number; refused: number; errors: number; fivexx: number }) {
  return async (token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: AnswerBody | undefined }> => {
    counts.writes++;
    try {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_HANG_MS),
      });
      const text = await response.text();
      if (response.status >= 500) {
        counts.fivexx++;
        counts.errors++;
      } else if (response.status >= 400) {
        counts.refused++;
      }
      return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as AnswerBody) };
    } catch {
      counts.errors++;
      return { status: 0, body: undefined };
    }
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const log = options.log ?? (() => undefined);
  const users = options.users ?? 2000;
  const dynamo = await startDynamoDbLocal();
  // The benchmark's own client (seeding, set-up): it waits out a busy machine; the server has the deployed one.
  const client = createDynamoClient({ endpoint: dynamo.endpoint, requestTimeoutMs: 60_000 });
  let server: ChildProcess | undefined;
  let provider: ChildProcess | undefined;
  try {
    await ensureTable(client, TABLE);
    // The bench's provider (bench/provider-process.ts) listens on this machine.
    const deps = createApiDeps(new ExumStore(client, TABLE), { allowLoopbackProviders: true });
    await seedTenantConfig(deps);
    await seedUsers(client, TABLE, 0, users, 4);
    const providerStarted = await startBenchProcess('bench/provider-process.ts');
    provider = providerStarted.child;
    const operator: Actor = { credentialId: 'cred_load', role: 'operator', tenantId: null, providerId: null };
    const write = { dryRun: false, ifMatch: null } as const;
    await hostingProviders.patch(
      deps,
      operator,
      TENANT,
      'exo',
      { eventEndpoint: { url: providerStarted.line, secret: PROVIDER_SECRET } },
      write,
    );
    const gateway = await seedToken(deps, { role: 'gateway', name: 'load gateway' });
    const userAdmin = await seedToken(deps, { role: 'user-admin', name: 'load user admin' });
    const exo = await seedToken(deps, { role: 'provider', name: 'load provider', providerId: 'exo' });

    const serverStarted = await startBenchProcess('bench/serve.ts', [dynamo.endpoint, TABLE, OPERATOR]);
    server = serverStarted.child;
    const url = serverStarted.line;
    const requests = resolveRequests(gateway, 7);

    log('load: warming up');
    await autocannon({ url, connections: 8, duration: 5, overallRate: options.rate, requests });
    const rssBefore = rssMb(server.pid!);
    // A second sample a quarter into the run, once writers, the migration and the stream processor
    // have all run: growth from there on is what a leak looks like, where growth from before can be
    // the runtime sizing its heap for the heavier mix (Node 24 takes about 170 MB more than Node 20 did).
    let rssQuarter = rssBefore;
    const serverPid = server.pid!;
    const quarterSample = setTimeout(() => (rssQuarter = rssMb(serverPid)), options.seconds * 250);

    const counts = { writes: 0, refused: 0, errors: 0, fivexx: 0 };
    const api = apiAt(url, counts);
    const T = `/v1/tenants/${TENANT}`;
    const deadline = Date.now() + options.seconds * 1000;
    const running = () => Date.now() < deadline;

    // User admins at work: renames, site moves and contacts coming and going, ~10 writes a second.
    // What each write answered 2xx left behind is read back at the end: nothing may be lost.
    const expectedUsers = new Map<string, { displayName: string; site: string }>();
    const expectedContacts = new Map<string, boolean>();
    const writers = async () => {
      for (let round = 0; running(); round++) {
        const index = MIGRATED + (round % (users - MIGRATED));
        const patch = { displayName: `User ${index} r${round}`, site: round % 2 === 0 ? 'Redmond' : 'Dublin' };
        if ((await api(userAdmin, 'PATCH', `${T}/users/${userSipUri(index)}`, patch)).status === 200) {
          expectedUsers.set(userSipUri(index), patch);
        }
        // A contact created every fourth round is deleted two rounds later.
        const contact = (created: number) => `sip:load-sa${created}@bench.example.com`;
        if (round % 4 === 0) {
          const created = await api(userAdmin, 'POST', `${T}/contacts`, {
            sipUri: contact(round),
            displayNumber: `+1206777${String(round % 10_000).padStart(4, '0')}`,
            hostedVoicemailPolicy: 'ExOnline',
          });
          if (created.status === 201) expectedContacts.set(contact(round), true);
        }
        if (round % 4 === 2 && (await api(userAdmin, 'DELETE', `${T}/contacts/${contact(round - 2)}`)).status === 204) {
          expectedContacts.set(contact(round - 2), false);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    // A migration of the first users, in waves; the provider answers ready as users are requested.
    // It runs to its end whatever the machine's speed: the resolutions may finish first.
    const migration = async (): Promise<{ migrated: number; seconds: number }> => {
      const startedAt = Date.now();
      const started = await api(userAdmin, 'POST', `${T}/migrations`, {
        users: Array.from({ length: MIGRATED }, (_, index) => userSipUri(index)),
        providerId: 'exo',
        grantPolicy: 'ExOnline',
        waveSize: 20,
      });
      // Not started: counted as an error (or a 5xx) by the client, and no user migrates. 202: its
      // users are enrolled in the background (enrolling, then running), followed below as it runs.
      if (started.status !== 201 && started.status !== 202) {
        log(`load: migration not started: ${started.status} ${JSON.stringify(started.body)}`);
        return { migrated: 0, seconds: 0 };
      }
      const id = String(started.body?.id);
      const giveUpAt = startedAt + MIGRATION_HANG_MS;
      for (;;) {
        let cursor: string | null = null;
        let state = 'running';
        let completed = 0;
        do {
          const page: { status: number; body: AnswerBody | undefined } = await api(
            userAdmin,
            'GET',
            `${T}/migrations/${id}?limit=500${cursor === null ? '' : `&cursor=${cursor}`}`,
          );
          state = String(page.body?.migration?.state ?? state);
          completed = Number(page.body?.counts?.completed ?? completed);
          for (const user of page.body?.users ?? []) {
            if (user.state !== 'requested') continue;
            await api(exo, 'PUT', `${T}/migrations/${id}/users/${user.sipUri}/answer`, { status: 'ready' });
          }
          cursor = page.body?.nextCursor ?? null;
        } while (cursor !== null);
        if ((state !== 'running' && state !== 'enrolling') || Date.now() > giveUpAt)
          return { migrated: completed, seconds: (Date.now() - startedAt) / 1000 };
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    };

    log(`load: ${options.rate} resolutions/s for ${options.seconds} s, with writers and a migration`);
    const [resolves, , migrated] = await Promise.all([
      autocannon({ url, connections: 8, duration: options.seconds, overallRate: options.rate, requests, timeout: REQUEST_HANG_MS / 1000 }),
      writers(),
      migration(),
    ]);

    // Every write answered 2xx is there (read back outside the counts of the run).
    const checks = { writes: 0, refused: 0, errors: 0, fivexx: 0 };
    const check = apiAt(url, checks);
    let lost = 0;
    const expectations = [
      ...[...expectedUsers].map(([sipUri, patch]) => async () => {
        const user = await check(userAdmin, 'GET', `${T}/users/${sipUri}`);
        if (user.body?.displayName !== patch.displayName || user.body?.site !== patch.site) lost++;
      }),
      ...[...expectedContacts].map(([sipUri, exists]) => async () => {
        const contact = await check(userAdmin, 'GET', `${T}/contacts/${sipUri}`);
        if (contact.status !== (exists ? 200 : 404)) lost++;
      }),
    ];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let next = expectations.pop(); next !== undefined; next = expectations.pop()) await next();
      }),
    );
    clearTimeout(quarterSample);
    const rssAfter = rssMb(server.pid!);
    const resolveErrors = resolves.non2xx + resolves.errors + resolves.timeouts;
    return {
      loadResolvesPerSecond: Math.round(resolves.requests.average),
      loadOfferedPerSecond: options.rate,
      loadP50Ms: resolves.latency.p50,
      loadP99Ms: resolves.latency.p99,
      loadErrors: resolveErrors + counts.errors,
      load5xx: (resolves['5xx'] ?? 0) + counts.fivexx,
      loadWrites: counts.writes,
      loadWritesRefused: counts.refused,
      loadMigratedUsers: migrated.migrated,
      loadMigrationSeconds: round(migrated.seconds, 1),
      loadWritesChecked: expectedUsers.size + expectedContacts.size,
      loadWritesLost: lost,
      loadRssBeforeMb: round(rssBefore, 1),
      loadRssAfterMb: round(rssAfter, 1),
      loadRssGrowthMb: round(rssAfter - rssBefore, 1),
      // The ratios the targets are stated in: the rate held against the rate offered, memory after against before.
      loadSustainedVsOffered: round(resolves.requests.average / options.rate, 2),
      loadRssAfterVsBefore: round(rssAfter / rssBefore, 2),
      loadRssQuarterMb: round(rssQuarter, 1),
      loadRssAfterVsQuarter: round(rssAfter / rssQuarter, 2),
      loadSeconds: options.seconds,
    };
  } finally {
    await stopBenchProcess(server);
    await stopBenchProcess(provider);
    client.destroy();
    await dynamo.stop();
  }
}
