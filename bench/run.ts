// `npm run bench [-- --json] [-- --users N] [-- --import-users N] [-- --load-seconds S --load-rate R]
//   [-- --phases a,b] [-- --out FILE] [-- --profile]`:
// the hot path's cost, the bulk import's throughput, a load run, starting a migration and the
// entry points, measured in one run against DynamoDB Local, each figure a ratio against a
// baseline measured in the same run where there is one (the operator console too: its first
// page's JavaScript, and its Users page in headless Chromium at 100,000 users over 1,000). The run is in phases: each one's figures
// are printed (stderr, and --out FILE) as it ends, and a phase that fails is reported as failed
// with its error while the others go on; the exit code is 1 if any failed.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import autocannon from 'autocannon';
import { createApiDeps } from '../functions/wiring/deps.js';
import { createDynamoClient } from '../lib/store/client.js';
import { ensureTable } from '../lib/store/create-table.js';
import { ExumStore } from '../lib/store/exum-store.js';
import { keys } from '../lib/store/keys.js';
import { toKey } from '../lib/store/items.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { startBenchProcess, stopBenchProcess } from './child-process.js';
import { resolveCall } from '../lib/routing/resolve-call.js';
import { parseTarget, type Target } from '../lib/routing/target.js';
import type { Actor } from '../lib/domain/credential.js';
import { bundle, coldImportMs, tempDir } from './cold-import.js';
import { TENANT, resolveRequests, seedTenantConfig, seedToken, seedUsers, userLineUri, userSipUri } from './seed.js';
import { median, quantile, round, throughput } from './stats.js';
import { measureProviderEvents } from './events.js';
import { cpuMicrosOf, measureGetItemCpu } from './cpu.js';
import { formatSummary, summarizeProfile } from './profile-summary.js';
import { measureImport } from './import.js';
import { runLoad } from './load.js';
import { measureMigrationCreate, measureMigrationCreateScale } from './migration-create.js';
import { measureEntryPoints } from './entry-points.js';
import { measureGateway } from './gateway.js';
import { getTenantSummary, recountTenantSummary } from '../lib/management/tenant-summary.js';
import { CONSOLE_DIRECTORY, ensureConsoleBuilt, initialJs, measureUsersPage, type ConsoleTenant } from './console.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    users: { type: 'string', default: '100000' },
    'import-users': { type: 'string', default: '10000' },
    'load-seconds': { type: 'string', default: '600' },
    'load-rate': { type: 'string', default: '300' },
    phases: { type: 'string' },
    out: { type: 'string' },
    profile: { type: 'boolean', default: false },
  },
});
const LARGE = Number(values.users);
/** Requests (and GetItems) a round of the CPU figures; rounds of them, the median ratio counts. */
const CPU_REQUESTS = 4000;
const CPU_ROUNDS = 3;
const SMALL = 1000;
const log = (message: string) => process.stderr.write(`${message}\n`);

type Figures = Record<string, number | boolean | string>;
interface PhaseOutcome {
  ok: boolean;
  seconds: number;
  error?: string;
}

const PHASES = [
  'reads',
  'latency',
  'http',
  'events',
  'import',
  'load',
  'scale',
  'summary',
  'console',
  'bundle',
  'console-bundle',
  'migration',
  'migration-scale',
  'entry-points',
  'gateway',
] as const;
type Phase = (typeof PHASES)[number];
const wanted = new Set((values.phases ?? PHASES.join(',')).split(',').map((name) => name.trim()));
for (const name of wanted)
  if (!(PHASES as readonly string[]).includes(name)) throw new Error(`no phase ${name}; phases: ${PHASES.join(', ')}`);

const figures: Figures = {};
const phases: Partial<Record<Phase, PhaseOutcome>> = {};
/** Rejections nobody awaited (a stray request of a failed phase): reported, never the end of the run. */
const strays: string[] = [];
process.on('unhandledRejection', (reason) => {
  strays.push(String(reason instanceof Error ? (reason.stack ?? reason.message) : reason));
  log(`bench: an unhandled rejection (reported, the run goes on): ${String(reason)}`);
});

const report = () => ({ ...figures, phases, ...(strays.length === 0 ? {} : { unhandledRejections: strays }) });
const writeOut = () => {
  if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(report(), null, 2)}\n`);
};

/** Runs one phase: its figures are kept and shown as it ends; its failure is reported, not thrown. */
async function phase(name: Phase, measure: () => Promise<Figures>, needs: Phase[] = []): Promise<void> {
  if (!wanted.has(name)) return;
  const start = performance.now();
  const missing = needs.filter((need) => phases[need]?.ok === false);
  try {
    if (missing.length > 0) throw new Error(`not run: ${missing.join(', ')} failed`);
    const measured = await measure();
    Object.assign(figures, measured);
    phases[name] = { ok: true, seconds: round((performance.now() - start) / 1000, 1) };
    log(`bench: phase ${name} done in ${phases[name].seconds} s: ${JSON.stringify(measured)}`);
  } catch (error) {
    phases[name] = {
      ok: false,
      seconds: round((performance.now() - start) / 1000, 1),
      error: String(error instanceof Error ? error.message : error),
    };
    log(
      `bench: phase ${name} FAILED after ${phases[name].seconds} s: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
  writeOut();
}

/** A sample that failed (DynamoDB Local not answering within the client's timeout on a busy machine) is taken again, up to 3 times, and counted. */
let failedSamples = 0;
async function sample<T>(task: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      failedSamples++;
      if (attempt >= 3) throw error;
    }
  }
}
/** Samples above this are counted as slow (they count in the figures too: medians absorb a few). */
const SLOW_SAMPLE_MS = 2_000;
let slowSamples = 0;
const timed = async (into: number[], task: () => Promise<unknown>) => {
  const start = performance.now();
  await sample(task);
  const ms = performance.now() - start;
  if (ms > SLOW_SAMPLE_MS) slowSamples++;
  into.push(ms);
};

// The benchmark's own clients wait out a busy machine (60 s a request) rather than fail a sample
// on the deployed 2 s; what a sample costs is measured, however long.
const BENCH_REQUEST_TIMEOUT_MS = 60_000;
let dynamo: Awaited<ReturnType<typeof startDynamoDbLocal>> | undefined;
let dynamoLarge: Awaited<ReturnType<typeof startDynamoDbLocal>> | undefined;
/** The tenant of LARGE users that the summary and console phases share (seeded once). */
let largeTenant:
  | {
      dynamo: Awaited<ReturnType<typeof startDynamoDbLocal>>;
      client: ReturnType<typeof createDynamoClient>;
      deps: ReturnType<typeof createApiDeps>;
    }
  | undefined;
const LARGE_TENANT_TABLE = 'bench-summary-large';
const releaseLargeTenant = async () => {
  largeTenant?.client.destroy();
  await largeTenant?.dynamo.stop();
  largeTenant = undefined;
};
const consoleServers: ChildProcess[] = [];
let client: ReturnType<typeof createDynamoClient> | undefined;
let server: ChildProcess | undefined;
const tableName = 'bench-routing';
const operatorToken = 'exum_bench_operator_token_000000000000';
const gateway: Actor = { credentialId: 'cred_bench_gw', role: 'gateway', tenantId: TENANT, providerId: null };
const target = (input: string): Target => {
  const parsed = parseTarget(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};

try {
  // Set-up, shared by the phases on the main table (reads, latency, http, scale).
  let setup: { deps: ReturnType<typeof createApiDeps>; client: NonNullable<typeof client>; endpoint: string } | undefined;
  const main = async () => {
    if (setup !== undefined) return setup;
    dynamo = await startDynamoDbLocal();
    client = createDynamoClient({ endpoint: dynamo.endpoint, requestTimeoutMs: BENCH_REQUEST_TIMEOUT_MS });
    await ensureTable(client, tableName);
    const deps = createApiDeps(new ExumStore(client, tableName), { configCacheMs: 60_000 });
    await seedTenantConfig(deps);
    log(`seeding ${SMALL} users`);
    await seedUsers(client, tableName, 0, SMALL);
    setup = { deps, client, endpoint: dynamo.endpoint };
    return setup;
  };
  const resolveOnce = (on: ReturnType<typeof createApiDeps>, index: number, byNumber: boolean) =>
    resolveCall(
      on,
      gateway,
      {
        target: target(byNumber ? userLineUri(index) : `${userSipUri(index)};opaque=app:voicemail`),
        reason: 'voicemail',
        callId: `bench-${index}`,
      },
      false,
    );
  const getItemOnce = (on: NonNullable<typeof client>, table: string, index: number) =>
    on.send(new GetItemCommand({ TableName: table, Key: toKey(keys.address(TENANT, userSipUri(index))), ConsistentRead: true }));

  // 1. Reads per resolution, counted by an SDK middleware, caches warm.
  await phase('reads', async () => {
    const { deps, client } = await main();
    await resolveOnce(deps, 0, false);
    let reads = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (/^(GetItem|BatchGetItem|Query|Scan|TransactGetItems)Command$/.test(context.commandName ?? '')) reads++;
        return next(args);
      },
      { step: 'initialize', name: 'count-reads' },
    );
    const countReads = async (byNumber: boolean, n: number) => {
      // Resent samples would count twice: these are counted as they are, a failure fails the phase.
      reads = 0;
      for (let index = 0; index < n; index++) await resolveOnce(deps, index % SMALL, byNumber);
      return reads / n;
    };
    try {
      const readsSip = await countReads(false, 500);
      const readsNumber = await countReads(true, 500);
      return {
        readsPerResolution: round((readsSip + readsNumber) / 2, 3),
        readsPerResolutionSip: round(readsSip, 3),
        readsPerResolutionNumber: round(readsNumber, 3),
      };
    } finally {
      client.middlewareStack.remove('count-reads');
    }
  });

  // 2. In-process latency, interleaved with bare GetItems on the same table.
  await phase('latency', async () => {
    const { deps, client } = await main();
    const latency = async (n: number) => {
      const resolveMs: number[] = [];
      const getItemMs: number[] = [];
      for (let index = 0; index < n; index++) {
        const user = Math.floor(Math.random() * SMALL);
        await timed(getItemMs, () => getItemOnce(client, tableName, user));
        await timed(resolveMs, () => resolveOnce(deps, user, index % 2 === 1));
      }
      return { resolveMs, getItemMs };
    };
    // Both sides (this process and DynamoDB Local's JVM) warm up for a while before any figure.
    await latency(5000);
    log('measuring in-process latency');
    const small = await latency(3000);
    const getItemMedian = median(small.getItemMs);
    return {
      resolveVsGetItem: round(median(small.resolveMs) / getItemMedian),
      resolveP99VsGetItem: round(quantile(small.resolveMs, 0.99) / getItemMedian),
      getItemMedianMs: round(getItemMedian, 3),
    };
  });

  // 3. HTTP throughput through the local server (its own process) vs raw GetItems, concurrency 16;
  //    then the figure that holds still on a shared machine: the server's CPU time per resolution
  //    over a fixed number of requests ÷ a GetItem process's CPU time per bare GetItem (bench/cpu.ts),
  //    in rounds. --profile: the server runs under node --cpu-prof, summarized at the end.
  await phase('http', async () => {
    const { deps, client, endpoint } = await main();
    log('measuring HTTP throughput');
    const gatewayToken = await seedToken(deps, { role: 'gateway', name: 'bench' });
    const profileDirectory = values.profile ? mkdtempSync(join(tmpdir(), 'exum-bench-profile-')) : undefined;
    const serverStarted = await startBenchProcess(
      'bench/serve.ts',
      [endpoint, tableName, operatorToken],
      profileDirectory === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}`],
    );
    server = serverStarted.child;
    const serverPid = server.pid!;
    const url = serverStarted.line;
    const requests = resolveRequests(gatewayToken);
    const measured: Figures = {};
    try {
      await autocannon({ url, connections: 16, duration: 2, requests }); // warm-up
      // The baseline before and after the HTTP run; the higher one counts (the conservative choice).
      const rawGetItems = async () =>
        throughput(() => sample(() => getItemOnce(client, tableName, Math.floor(Math.random() * SMALL))), 16, 6000);
      const rawBefore = await rawGetItems();
      const http = await autocannon({ url, connections: 16, duration: 8, requests });
      if (http.non2xx > 0 || http.errors > 0) throw new Error(`HTTP load had ${http.non2xx} non-2xx answers and ${http.errors} errors`);
      const rawGetItemsPerSecond = Math.max(rawBefore, await rawGetItems());
      const httpPerSecond = http.requests.average;
      Object.assign(measured, {
        httpVsGetItem: round(httpPerSecond / rawGetItemsPerSecond),
        httpResolutionsPerSecond: Math.round(httpPerSecond),
        rawGetItemsPerSecond: Math.round(rawGetItemsPerSecond),
      });

      log('measuring CPU per HTTP resolution');
      // What the server spends doing nothing (the stream processor polling an idle stream), for reference: it is in the figure.
      const idleBefore = cpuMicrosOf(serverPid);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const idleMicrosPerSecond = (cpuMicrosOf(serverPid) - idleBefore) / 3;
      // A round not counted first: the first counted one read 10–30% above the others in two runs of three.
      await autocannon({ url, connections: 16, amount: CPU_REQUESTS / 2, requests });
      const rounds: { resolve: number; getItem: number }[] = [];
      for (let index = 0; index < CPU_ROUNDS; index++) {
        const before = cpuMicrosOf(serverPid);
        const fixed = await autocannon({ url, connections: 16, amount: CPU_REQUESTS, requests });
        const serverMicros = cpuMicrosOf(serverPid) - before;
        if (fixed.non2xx > 0 || fixed.errors > 0 || fixed.timeouts > 0)
          throw new Error(`the CPU round had ${fixed.non2xx} non-2xx answers, ${fixed.errors} errors, ${fixed.timeouts} timeouts`);
        const getItem = await measureGetItemCpu(endpoint, tableName, SMALL, CPU_REQUESTS);
        rounds.push({ resolve: serverMicros / CPU_REQUESTS, getItem: getItem.microsPerGetItem });
      }
      const ratios = rounds.map((one) => one.resolve / one.getItem);
      Object.assign(measured, {
        httpCpuPerResolveVsGetItem: round(median(ratios)),
        httpCpuRoundRatios: ratios.map((ratio) => round(ratio)).join(', '),
        httpCpuRoundMicros: rounds.map((one) => `${Math.round(one.resolve)}/${Math.round(one.getItem)}`).join(', '),
        httpCpuMicrosPerResolve: Math.round(median(rounds.map((one) => one.resolve))),
        cpuMicrosPerGetItem: Math.round(median(rounds.map((one) => one.getItem))),
        httpCpuRequestsPerRound: CPU_REQUESTS,
        httpServiceIdleCpuMsPerSecond: round(idleMicrosPerSecond / 1000, 1),
      });
      return measured;
    } finally {
      await stopBenchProcess(server);
      server = undefined;
      if (profileDirectory !== undefined) {
        const file = readdirSync(profileDirectory).find((name) => name.endsWith('.cpuprofile'));
        if (file === undefined) log(`bench: no CPU profile written in ${profileDirectory}`);
        else {
          const path = join(profileDirectory, file);
          log(`bench: the local server's CPU profile: ${path}\n${formatSummary(summarizeProfile(path, 20))}`);
          measured.httpServerCpuProfile = path;
        }
      }
    }
  });

  // 4. Provider events: deliveries per second, and ready → hosted (before the large table
  //    loads DynamoDB Local's memory).
  await phase('events', async () => {
    const { endpoint } = await main();
    log('measuring provider events');
    const events = await measureProviderEvents(endpoint);
    // The CPU baseline of the HTTP figure (bench/cpu.ts), measured again here: the phase stands alone.
    const getItem = await measureGetItemCpu(endpoint, tableName, SMALL, CPU_REQUESTS);
    return {
      ...events,
      cpuPerProviderEventVsGetItem: round(events.cpuMicrosPerProviderEvent / getItem.microsPerGetItem),
      eventsCpuMicrosPerGetItem: Math.round(getItem.microsPerGetItem),
    };
  });

  // 5. Bulk import (on a DynamoDB Local of its own, see bench/import.ts).
  await phase('import', async () => {
    log('measuring bulk import');
    return { ...(await measureImport(Number(values['import-users']))) };
  });

  // 6. Load: steady resolutions with writers and a migration, memory before and after (bench/load.ts).
  await phase('load', async () => ({
    ...(await runLoad({ seconds: Number(values['load-seconds']), rate: Number(values['load-rate']), log })),
  }));

  // 7. The same latency with LARGE users loaded: a second table, measured interleaved with the
  //    first so that drift (DynamoDB Local's JVM warming up) falls equally on both. It lives in a
  //    DynamoDB Local of its own: DynamoDB Local answers more slowly for each stream-enabled table
  //    written before the one asked (about 0.4 ms more a GetItem per table, whatever their size),
  //    so in the same engine the larger table would look slower for coming later.
  await phase('scale', async () => {
    const { deps, client } = await main();
    dynamoLarge = await startDynamoDbLocal();
    const clientLarge = createDynamoClient({ endpoint: dynamoLarge.endpoint, requestTimeoutMs: BENCH_REQUEST_TIMEOUT_MS });
    try {
      const largeTable = 'bench-routing-large';
      await ensureTable(clientLarge, largeTable);
      const depsLarge = createApiDeps(new ExumStore(clientLarge, largeTable), { configCacheMs: 60_000 });
      await seedTenantConfig(depsLarge);
      log(`seeding ${LARGE} users`);
      await seedUsers(clientLarge, largeTable, 0, LARGE);
      // Bare GetItems on both tables too: what DynamoDB Local itself does with a larger table (which
      // DynamoDB does not) shows apart from what the service adds.
      const scaleSamples = async (n: number) => {
        const smallMs: number[] = [];
        const largeMs: number[] = [];
        const smallGetItemMs: number[] = [];
        const largeGetItemMs: number[] = [];
        for (let index = 0; index < n; index++) {
          const small = Math.floor(Math.random() * SMALL);
          const large = Math.floor(Math.random() * LARGE);
          await timed(smallMs, () => resolveOnce(deps, small, index % 2 === 1));
          await timed(largeMs, () => resolveOnce(depsLarge, large, index % 2 === 1));
          await timed(smallGetItemMs, () => getItemOnce(client, tableName, small));
          await timed(largeGetItemMs, () => getItemOnce(clientLarge, largeTable, large));
        }
        return { smallMs, largeMs, smallGetItemMs, largeGetItemMs };
      };
      await scaleSamples(1000);
      log('measuring latency at scale');
      const scale = await scaleSamples(3000);
      return {
        scale100kVs1k: round(median(scale.largeMs) / median(scale.smallMs)),
        resolveMedianMs1k: round(median(scale.smallMs), 3),
        resolveMedianMsLarge: round(median(scale.largeMs), 3),
        getItemScale100kVs1k: round(median(scale.largeGetItemMs) / median(scale.smallGetItemMs)),
        scale100kVs1kVsGetItem: round(
          median(scale.largeMs) / median(scale.largeGetItemMs) / (median(scale.smallMs) / median(scale.smallGetItemMs)),
        ),
        usersLarge: LARGE,
      };
    } finally {
      clientLarge.destroy();
      await dynamoLarge.stop();
      dynamoLarge = undefined;
    }
  });

  // The tenant of LARGE users for the summary and console phases, in a DynamoDB Local of its own
  // (see 'scale'), seeded once, kept until both have run.
  const large = async () => {
    if (largeTenant !== undefined) return largeTenant;
    const dynamo = await startDynamoDbLocal();
    const client = createDynamoClient({ endpoint: dynamo.endpoint, requestTimeoutMs: BENCH_REQUEST_TIMEOUT_MS });
    largeTenant = { dynamo, client, deps: createApiDeps(new ExumStore(client, LARGE_TENANT_TABLE), { configCacheMs: 60_000 }) };
    await ensureTable(client, LARGE_TENANT_TABLE);
    await seedTenantConfig(largeTenant.deps);
    log(`seeding ${LARGE} users`);
    await seedUsers(client, LARGE_TENANT_TABLE, 0, LARGE);
    return largeTenant;
  };

  // 7b. The tenant summary at LARGE users over at SMALL: counters read in one Query, so the same.
  await phase('summary', async () => {
    const { deps } = await main();
    const { deps: depsLarge } = await large();
    // Seeded straight into the tables, like data from before the counters: counted once, as an
    // operator's recount (or the first summary read) does.
    await recountTenantSummary(deps, TENANT, false);
    const recountStart = performance.now();
    const counted = await recountTenantSummary(depsLarge, TENANT, false);
    const recountMsLarge = performance.now() - recountStart;
    const countedUsers = counted.users.hosted + counted.users.onPremises + counted.users.notRoutable;
    if (countedUsers !== LARGE) throw new Error(`the recount counted ${countedUsers} users, not ${LARGE}`);
    const summarySamples = async (n: number) => {
      const smallMs: number[] = [];
      const largeMs: number[] = [];
      for (let index = 0; index < n; index++) {
        await timed(smallMs, () => getTenantSummary(deps, TENANT));
        await timed(largeMs, () => getTenantSummary(depsLarge, TENANT));
      }
      return { smallMs, largeMs };
    };
    await summarySamples(200);
    log('measuring the summary at scale');
    // Three rounds, the median of their ratios: one busy moment of a shared machine does not decide it.
    const rounds = [await summarySamples(500), await summarySamples(500), await summarySamples(500)];
    const ratios = rounds.map((round_) => median(round_.largeMs) / median(round_.smallMs));
    return {
      summaryLatency100kVs1k: round(median(ratios)),
      summaryMedianMs1k: round(median(rounds.flatMap((round_) => round_.smallMs)), 3),
      summaryMedianMsLarge: round(median(rounds.flatMap((round_) => round_.largeMs)), 3),
      summaryRecountSecondsLarge: round(recountMsLarge / 1000, 1),
      usersLarge: LARGE,
    };
  });

  // 7c. The console's Users page in headless Chromium, LARGE users over SMALL: one page of 50
  //     from the list index, so the same. Each tenant's console served by a local server of its
  //     own (bench/serve.ts) over that tenant's table, signed in with a reader token of it.
  await phase('console', async () => {
    const { endpoint } = await main();
    const { dynamo: dynamoOfLarge } = await large();
    await ensureConsoleBuilt();
    const serve = async (dynamoEndpoint: string, table: string): Promise<ConsoleTenant> => {
      const started = await startBenchProcess('bench/serve.ts', [dynamoEndpoint, table, operatorToken, 'no-stream', CONSOLE_DIRECTORY]);
      consoleServers.push(started.child);
      const answer = await fetch(`${started.line}/v1/tenants/${TENANT}/credentials`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'reader', name: 'bench-console' }),
      });
      if (!answer.ok) throw new Error(`a reader credential: ${answer.status} ${await answer.text()}`);
      return { url: started.line, token: ((await answer.json()) as { token: string }).token };
    };
    try {
      const small = await serve(endpoint, tableName);
      const largeConsole = await serve(dynamoOfLarge.endpoint, LARGE_TENANT_TABLE);
      const measured = await measureUsersPage(small, largeConsole, { rounds: 3, perRound: 7, log });
      return {
        consoleUsersPage100kVs1k: round(measured.ratio),
        consoleUsersPageRoundRatios: measured.ratios.map((ratio) => round(ratio)).join(', '),
        consoleUsersPageMedianMs1k: round(measured.small.totalMs, 1),
        consoleUsersPageMedianMsLarge: round(measured.large.totalMs, 1),
        // Where the time goes (medians, from the page's navigation): its scripts run, the list
        // request's own time, and when the list has been answered.
        consoleUsersPageScriptsMs1k: round(measured.small.scriptsMs, 1),
        consoleUsersPageScriptsMsLarge: round(measured.large.scriptsMs, 1),
        consoleUsersPageListRequestMs1k: round(measured.small.listRequestMs, 1),
        consoleUsersPageListRequestMsLarge: round(measured.large.listRequestMs, 1),
        consoleUsersPageListAnsweredMs1k: round(measured.small.listAnsweredMs, 1),
        consoleUsersPageListAnsweredMsLarge: round(measured.large.listAnsweredMs, 1),
        usersLarge: LARGE,
      };
    } finally {
      for (const child of consoleServers.splice(0)) await stopBenchProcess(child);
    }
  });
  await releaseLargeTenant();

  // 8. Bundle size and cold import of the resolve function vs a handler importing only the SDK.
  await phase('bundle', async () => {
    log('bundling');
    const outdir = tempDir();
    const resolveBundle = await bundle('functions/resolve.ts', outdir);
    const bareBundle = await bundle('bench/fixtures/bare-sdk-handler.ts', outdir);
    const env = { TABLE_NAME: tableName, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    coldImportMs(resolveBundle.file, 2, env);
    const resolveImport = coldImportMs(resolveBundle.file, 15, env);
    const bareImport = coldImportMs(bareBundle.file, 15, env);
    return {
      resolveBundleBytes: resolveBundle.bytes,
      bareSdkBundleBytes: bareBundle.bytes,
      coldImportVsBareSdk: round(resolveImport / bareImport),
      coldImportResolveMs: round(resolveImport, 1),
      coldImportBareSdkMs: round(bareImport, 1),
    };
  });

  // 8b. The JavaScript the console's first page loads (index.html's module and its preloads), gzipped.
  await phase('console-bundle', async () => {
    await ensureConsoleBuilt();
    const first = initialJs();
    if (first.inlineScripts > 0) throw new Error(`dist/console/index.html has ${first.inlineScripts} inline script(s)`);
    return { consoleInitialJsKiB: round(first.gzipBytes / 1024, 1), consoleInitialJsFiles: first.files.length };
  });

  // 9. Starting a migration of 200 users while resolutions run (on a DynamoDB Local of its own).
  await phase('migration', async () => {
    log('measuring a migration start');
    return { ...(await measureMigrationCreate({ users: 200, runs: 5, readers: 8 })) };
  });

  // 9b. Starting a migration of 10,000 users against 10: bounded whatever the size (on a DynamoDB Local of its own).
  await phase('migration-scale', async () => {
    log('measuring migration starts of 10,000 and 10 users');
    return { ...(await measureMigrationCreateScale(5)) };
  });

  // 10. The entry points as a person runs them: exumctl, npm start (bench/entry-points.ts).
  await phase('entry-points', async () => ({ ...(await measureEntryPoints({ log })) }));

  // 11. The gateway: SIPp calls through the Kamailio example asking the service, against the same
  //     Kamailio relaying with no question, and an outage (bench/gateway.ts; skipped without
  //     kamailio and sipp).
  await phase('gateway', async () => ({ ...(await measureGateway({ log })) }));
} finally {
  await stopBenchProcess(server);
  for (const child of consoleServers) await stopBenchProcess(child);
  await releaseLargeTenant();
  client?.destroy();
  await dynamo?.stop();
  await dynamoLarge?.stop();
}

Object.assign(figures, { failedSamples, slowSamples });
writeOut();
const failed = Object.entries(phases).filter(([, outcome]) => !outcome.ok);

if (values.json) {
  console.log(JSON.stringify(report()));
} else {
  const f = figures as Record<string, number>;
  const rows: [Phase, string, () => string, string][] = [
    ['reads', 'DynamoDB reads per resolution (SIP / number)', () => `${f.readsPerResolutionSip} / ${f.readsPerResolutionNumber}`, '1.0'],
    ['latency', 'resolve median / GetItem median (in process)', () => `${f.resolveVsGetItem}x  (GetItem ${f.getItemMedianMs} ms)`, '≤ 1.2'],
    ['latency', 'resolve p99 / GetItem median (in process)', () => `${f.resolveP99VsGetItem}x`, ''],
    [
      'http',
      'HTTP resolutions/s / raw GetItems/s (c=16)',
      () => `${f.httpVsGetItem}x  (${f.httpResolutionsPerSecond} vs ${f.rawGetItemsPerSecond}/s)`,
      '≥ 0.7',
    ],
    [
      'http',
      'HTTP: server CPU per resolution / a client process CPU per bare GetItem',
      () =>
        `${f.httpCpuPerResolveVsGetItem}x  (${f.httpCpuMicrosPerResolve} vs ${f.cpuMicrosPerGetItem} µs; rounds ${String(figures.httpCpuRoundRatios)}; idle server ${f.httpServiceIdleCpuMsPerSecond} ms/s)`,
      '≤ 3',
    ],
    [
      'scale',
      `resolve median, ${LARGE} users / ${SMALL} users`,
      () => `${f.scale100kVs1k}x  (${f.resolveMedianMsLarge} vs ${f.resolveMedianMs1k} ms)`,
      'within 10%',
    ],
    ['scale', `  bare GetItem median, same two tables`, () => `${f.getItemScale100kVs1k}x  (DynamoDB Local's own growth)`, ''],
    ['scale', `  resolve/GetItem at ${LARGE} over resolve/GetItem at ${SMALL}`, () => `${f.scale100kVs1kVsGetItem}x`, 'within 10%'],
    [
      'summary',
      `tenant summary median, ${LARGE} users / ${SMALL} users`,
      () =>
        `${f.summaryLatency100kVs1k}x  (${f.summaryMedianMsLarge} vs ${f.summaryMedianMs1k} ms; recount at ${LARGE}: ${f.summaryRecountSecondsLarge} s)`,
      '≤ 1.2',
    ],
    [
      'console',
      `console Users page to its first row (headless Chromium), ${LARGE} users / ${SMALL} users`,
      () =>
        `${f.consoleUsersPage100kVs1k}x  (${f.consoleUsersPageMedianMsLarge} vs ${f.consoleUsersPageMedianMs1k} ms; rounds ${f.consoleUsersPageRoundRatios})`,
      '≤ 1.2',
    ],
    [
      'console',
      '  of which: scripts run; the list request; the list answered (ms from navigation)',
      () =>
        `${f.consoleUsersPageScriptsMsLarge} vs ${f.consoleUsersPageScriptsMs1k}; ${f.consoleUsersPageListRequestMsLarge} vs ${f.consoleUsersPageListRequestMs1k}; ${f.consoleUsersPageListAnsweredMsLarge} vs ${f.consoleUsersPageListAnsweredMs1k}`,
      '',
    ],
    [
      'bundle',
      'resolve bundle (esbuild, minified)',
      () => `${(f.resolveBundleBytes! / 1024).toFixed(0)} KiB (bare SDK ${(f.bareSdkBundleBytes! / 1024).toFixed(0)} KiB)`,
      '',
    ],
    [
      'bundle',
      'cold import, resolve / bare SDK handler',
      () => `${f.coldImportVsBareSdk}x  (${f.coldImportResolveMs} vs ${f.coldImportBareSdkMs} ms)`,
      '≤ 1.5',
    ],
    [
      'console-bundle',
      'console first page JavaScript (module and preloads, gzip -9)',
      () => `${f.consoleInitialJsKiB} KiB  (${f.consoleInitialJsFiles} files)`,
      '≤ 400 KiB',
    ],
    ['events', 'provider events delivered per second (local provider)', () => `${f.providerEventsPerSecond}/s`, '≥ 200/s'],
    [
      'events',
      '  CPU of the process running the stream processor per event delivered / a client process CPU per bare GetItem',
      () => `${f.cpuPerProviderEventVsGetItem}x  (${f.cpuMicrosPerProviderEvent} vs ${f.eventsCpuMicrosPerGetItem} µs)`,
      '',
    ],
    [
      'events',
      'provider ready → hosted: the next call',
      () => `${f.readyFlipsOnNextCall} on the next call, within ${f.readyToHostedMs} ms`,
      'the next call',
    ],
    [
      'import',
      `exumctl import users/s / its own transactions by a bare client (${f.importUsersPerRun} a run)`,
      () =>
        `${f.importVsTransactCeiling}x  (${f.importUsersPerSecond} vs ${f.transactCeilingUsersPerSecond}/s; each import / the ceilings around it: ${String(figures.importVsTransactCeilingPairs)})`,
      '≥ 0.85',
    ],
    [
      'import',
      '  exumctl import / raw BatchWriteItem of the user items (reference)',
      () => `${f.importVsBatchWrite}x  (${f.batchWriteUsersPerSecond}/s; the ceiling ${f.transactCeilingVsBatchWrite}x of it)`,
      '',
    ],
    [
      'load',
      `load: resolutions/s sustained, ${f.loadOfferedPerSecond}/s offered for ${f.loadSeconds} s with writes and a migration`,
      () => `${f.loadSustainedVsOffered}x  (${f.loadResolvesPerSecond}/s, p50 ${f.loadP50Ms} ms, p99 ${f.loadP99Ms} ms)`,
      '1.0',
    ],
    [
      'load',
      '  load: errors and 5xx (resolutions and writes)',
      () =>
        `${f.loadErrors} errors, ${f.load5xx} 5xx (${f.loadWrites} writes, ${f.loadWritesRefused} refused by rules, ${f.loadWritesLost} of ${f.loadWritesChecked} checked lost)`,
      '0 and 0',
    ],
    ['load', '  load: users migrated (200), and in how long', () => `${f.loadMigratedUsers} in ${f.loadMigrationSeconds} s`, 'all 200'],
    [
      'load',
      '  load: server memory (RSS) after the run / before',
      () => `${f.loadRssAfterVsBefore}x  (${f.loadRssBeforeMb} → ${f.loadRssAfterMb} MB, ${f.loadRssGrowthMb} MB)`,
      '≤ 1.1',
    ],
    [
      'load',
      '  load: server memory (RSS) after the run / a quarter into it (every part of the mix has run)',
      () => `${f.loadRssAfterVsQuarter}x  (${f.loadRssQuarterMb} → ${f.loadRssAfterMb} MB)`,
      '≤ 1.1',
    ],
    [
      'migration',
      `start a migration of ${f.migrationCreateUsers} users (8 readers meanwhile): DynamoDB requests`,
      () => `${f.migrationCreateRequests} (dry run ${f.migrationDryRunRequests})`,
      '≤ 20',
    ],
    [
      'migration',
      '  its time / one GetItem',
      () =>
        `${f.migrationCreateVsGetItem}x  (${f.migrationCreateMs} ms; dry run ${f.migrationDryRunMs} ms; ${f.migrationCreateFailures} failed)`,
      '',
    ],
    [
      'migration-scale',
      'start a migration: the answer for 10,000 users / for 10',
      () =>
        `${f.migrationCreate10kVs10}x  (${f.migrationCreate10kMs} ms, ${String(figures.migrationCreate10kState)}; ${f.migrationCreate10Ms} ms, ${String(figures.migrationCreate10State)})`,
      '≤ 2',
    ],
    [
      'entry-points',
      'exumctl --version / node -e 0',
      () => `${f.cliVersionVsNodeStart}x  (${f.cliVersionMs} vs ${f.nodeStartMs} ms)`,
      '≤ 3',
    ],
    [
      'entry-points',
      'exumctl test-voicemail / node -e fetch (same request)',
      () => `${f.cliResolveVsBareNode}x  (${f.cliResolveMs} vs ${f.bareNodeResolveMs} ms)`,
      '≤ 2',
    ],
    [
      'entry-points',
      'npm start until its API answers / DynamoDB Local alone',
      () => `${f.startToReadyVsDynamoLocal}x  (${f.startToReadyMs} vs ${f.dynamoLocalReadyMs} ms)`,
      '≤ 2',
    ],
  ];
  const gatewaySkipped = figures.gatewaySkipped;
  if (typeof gatewaySkipped === 'string')
    rows.push(['gateway', 'gateway: SIPp through the Kamailio example', () => `skipped: ${gatewaySkipped}`, '']);
  else
    rows.push(
      [
        'gateway',
        'gateway: highest clean call rate asking the service / relaying statically',
        () =>
          `${f.gatewayVsStaticRelay}x  (${f.gatewayCleanCallsPerSecond} vs ${f.staticRelayCleanCallsPerSecond}${figures.staticRelayCapped === true ? '+' : ''} calls/s, ${f.gatewayWorkers} workers)`,
        '≥ 0.5',
      ],
      [
        'gateway',
        '  INVITE to final answer at that rate, asking / static: p50, p99',
        () =>
          `${f.gatewayP50Ms} / ${f.staticRelayP50Ms} ms, ${f.gatewayP99Ms} / ${f.staticRelayP99Ms} ms (question at 25/s ≈ ${f.gatewayQuestionMs} ms: ${f.gatewayCallsPerSecondPerWorker} calls/s a worker)`,
        '',
      ],
      ['gateway', '  first step not clean, asking the service', () => String(figures.gatewayFirstUnclean), ''],
      ['gateway', '    bound by', () => String(figures.gatewayBoundBy), ''],
      ['gateway', '  first step not clean, static relay', () => String(figures.staticRelayFirstUnclean), ''],
      ['gateway', '    bound by', () => String(figures.staticRelayBoundBy), ''],
      [
        'gateway',
        '  service killed mid-run: calls to targets answered before that reach the right callee',
        () =>
          `${f.gatewaySurvivedCalls} of ${f.gatewaySurvivedCallsCounted} (never-seen targets: ${f.gatewayNeverSeen503} of ${f.gatewayNeverSeenCallsCounted} got 503)`,
        '1.0 (503: 1.0)',
      ],
    );
  const shown = rows.filter(([name]) => wanted.has(name));
  const width = Math.max(...shown.map(([, name]) => name.length), 'samples failed / slow'.length);
  console.log(`${'measure'.padEnd(width)}  result  [target]`);
  for (const [name, label, result, goal] of shown) {
    const outcome = phases[name];
    const text = outcome?.ok === true ? result() : `FAILED (phase ${name}): ${outcome?.error ?? 'not run'}`;
    console.log(`${label.padEnd(width)}  ${text}${goal === '' || outcome?.ok !== true ? '' : `  [${goal}]`}`);
  }
  console.log(`${'samples failed / slow'.padEnd(width)}  ${failedSamples} taken again / ${slowSamples} over ${SLOW_SAMPLE_MS} ms`);
}
if (failed.length > 0) {
  log(`bench: ${failed.length} phase(s) failed: ${failed.map(([name, outcome]) => `${name} (${outcome.error})`).join('; ')}`);
  process.exitCode = 1;
}
