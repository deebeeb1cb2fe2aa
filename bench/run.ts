// `npm run bench [-- --json] [-- --users N] [-- --import-users N] [-- --load-seconds S --load-rate R]`:
// the hot path's cost, the bulk import's throughput and a load run, measured in one run against
// DynamoDB Local, each figure a ratio against a baseline measured in the same run where there is one.
import type { ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import autocannon from 'autocannon';
import { createApiDeps } from '../lib/api/deps.js';
import { createDynamoClient } from '../lib/store/client.js';
import { ensureTable } from '../lib/store/create-table.js';
import { ExumStore } from '../lib/store/exum-store.js';
import { keys } from '../lib/store/keys.js';
import { toKey } from '../lib/store/items.js';
import { startDynamoDbLocal } from '../lib/local/dynamodb-local.js';
import { startBenchProcess, stopBenchProcess } from './child-process.js';
import { createCredential } from '../lib/management/tenants.js';
import { resolveCall } from '../lib/routing/resolve-call.js';
import { parseTarget, type Target } from '../lib/routing/target.js';
import type { Actor } from '../lib/domain/credential.js';
import { bundle, coldImportMs, tempDir } from './cold-import.js';
import { TENANT, resolveRequests, seedTenantConfig, seedUsers, userLineUri, userSipUri } from './seed.js';
import { median, quantile, round, throughput } from './stats.js';
import { measureProviderEvents } from './events.js';
import { measureImport } from './import.js';
import { runLoad } from './load.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    users: { type: 'string', default: '100000' },
    'import-users': { type: 'string', default: '10000' },
    'load-seconds': { type: 'string', default: '600' },
    'load-rate': { type: 'string', default: '300' },
  },
});
const LARGE = Number(values.users);
const SMALL = 1000;
const log = (message: string) => process.stderr.write(`${message}\n`);

const dynamo = await startDynamoDbLocal();
const client = createDynamoClient({ endpoint: dynamo.endpoint });
const tableName = 'bench-routing';
let server: ChildProcess | undefined;
let dynamoLarge: Awaited<ReturnType<typeof startDynamoDbLocal>> | undefined;

try {
  await ensureTable(client, tableName);
  const store = new ExumStore(client, tableName);
  const deps = createApiDeps(store, { configCacheMs: 60_000 });
  await seedTenantConfig(deps);
  log(`seeding ${SMALL} users`);
  await seedUsers(client, tableName, 0, SMALL);

  const gateway: Actor = { credentialId: 'cred_bench_gw', role: 'gateway', tenantId: TENANT, providerId: null };
  const target = (input: string): Target => {
    const parsed = parseTarget(input);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.value;
  };
  const resolveOnce = (index: number, byNumber: boolean, on = deps) =>
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
  const getItemOnce = (index: number) =>
    client.send(new GetItemCommand({ TableName: tableName, Key: toKey(keys.address(TENANT, userSipUri(index))), ConsistentRead: true }));

  // 1. Reads per resolution, counted by an SDK middleware, caches warm.
  await resolveOnce(0, false);
  const reads = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      if (/^(GetItem|BatchGetItem|Query|Scan|TransactGetItems)Command$/.test(name)) reads.set('reads', (reads.get('reads') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'count-reads' },
  );
  const countReads = async (byNumber: boolean, n: number) => {
    reads.clear();
    for (let index = 0; index < n; index++) await resolveOnce(index % SMALL, byNumber);
    return (reads.get('reads') ?? 0) / n;
  };
  const readsSip = await countReads(false, 500);
  const readsNumber = await countReads(true, 500);
  client.middlewareStack.remove('count-reads');

  // 2. In-process latency, interleaved with bare GetItems on the same table.
  const latency = async (n: number, population: number) => {
    const resolveMs: number[] = [];
    const getItemMs: number[] = [];
    for (let sample = 0; sample < n; sample++) {
      const index = Math.floor(Math.random() * population);
      let start = performance.now();
      await getItemOnce(index);
      getItemMs.push(performance.now() - start);
      start = performance.now();
      await resolveOnce(index, sample % 2 === 1);
      resolveMs.push(performance.now() - start);
    }
    return { resolveMs, getItemMs };
  };
  // Both sides (this process and DynamoDB Local's JVM) warm up for a while before any figure.
  await latency(5000, SMALL);
  log('measuring in-process latency');
  const small = await latency(3000, SMALL);
  const getItemMedian = median(small.getItemMs);

  // 3. HTTP throughput through the local server (its own process) vs raw GetItems, concurrency 16.
  log('measuring HTTP throughput');
  const operatorToken = 'exum_bench_operator_token_000000000000';
  const token = await createCredential(
    deps,
    { ...gateway, role: 'operator', tenantId: null },
    TENANT,
    { role: 'gateway', name: 'bench' },
    { dryRun: false, ifMatch: null },
  );
  if (token.dryRun || token.record === null) throw new Error('no token');
  const gatewayToken = token.record.token;
  const serverStarted = await startBenchProcess('bench/serve.ts', [dynamo.endpoint, tableName, operatorToken]);
  server = serverStarted.child;
  const url = serverStarted.line;
  const requests = resolveRequests(gatewayToken);
  await autocannon({ url, connections: 16, duration: 2, requests }); // warm-up
  // The baseline before and after the HTTP run; the higher one counts (the conservative choice).
  const rawGetItems = async () => throughput(() => getItemOnce(Math.floor(Math.random() * SMALL)), 16, 6000);
  const rawBefore = await rawGetItems();
  const http = await autocannon({ url, connections: 16, duration: 8, requests });
  if (http.non2xx > 0 || http.errors > 0) throw new Error(`HTTP load had ${http.non2xx} non-2xx answers and ${http.errors} errors`);
  const rawGetItemsPerSecond = Math.max(rawBefore, await rawGetItems());
  const httpPerSecond = http.requests.average;

  // 4. Provider events: deliveries per second, and ready → hosted (before the large table
  //    loads DynamoDB Local's memory).
  log('measuring provider events');
  const events = await measureProviderEvents(dynamo.endpoint);

  // 5. Bulk import (on a DynamoDB Local of its own, see bench/import.ts).
  log('measuring bulk import');
  const imports = await measureImport(Number(values['import-users']));

  // 6. Load: steady resolutions with writers and a migration, memory before and after (bench/load.ts).
  const load = await runLoad({ seconds: Number(values['load-seconds']), rate: Number(values['load-rate']), log });

  // 7. The same latency with LARGE users loaded: a second table, measured interleaved with the
  //    first so that drift (DynamoDB Local's JVM warming up) falls equally on both. It lives in a
  //    DynamoDB Local of its own: DynamoDB Local answers more slowly for each stream-enabled table
  //    written before the one asked (about 0.4 ms more a GetItem per table, whatever their size),
  //    so in the same engine the larger table would look slower for coming later.
  dynamoLarge = await startDynamoDbLocal();
  const clientLarge = createDynamoClient({ endpoint: dynamoLarge.endpoint });
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
    const time = async (into: number[], task: () => Promise<unknown>) => {
      const start = performance.now();
      await task();
      into.push(performance.now() - start);
    };
    for (let sample = 0; sample < n; sample++) {
      const small = Math.floor(Math.random() * SMALL);
      const large = Math.floor(Math.random() * LARGE);
      await time(smallMs, () => resolveOnce(small, sample % 2 === 1, deps));
      await time(largeMs, () => resolveOnce(large, sample % 2 === 1, depsLarge));
      await time(smallGetItemMs, () =>
        client.send(
          new GetItemCommand({ TableName: tableName, Key: toKey(keys.address(TENANT, userSipUri(small))), ConsistentRead: true }),
        ),
      );
      await time(largeGetItemMs, () =>
        clientLarge.send(
          new GetItemCommand({ TableName: largeTable, Key: toKey(keys.address(TENANT, userSipUri(large))), ConsistentRead: true }),
        ),
      );
    }
    return { smallMs, largeMs, smallGetItemMs, largeGetItemMs };
  };
  await scaleSamples(1000);
  log('measuring latency at scale');
  const scale = await scaleSamples(3000);
  clientLarge.destroy();

  // 8. Bundle size and cold import of the resolve function vs a handler importing only the SDK.
  log('bundling');
  const outdir = tempDir();
  const resolveBundle = await bundle('functions/resolve.ts', outdir);
  const bareBundle = await bundle('bench/fixtures/bare-sdk-handler.ts', outdir);
  const env = { TABLE_NAME: tableName, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  coldImportMs(resolveBundle.file, 2, env);
  const resolveImport = coldImportMs(resolveBundle.file, 15, env);
  const bareImport = coldImportMs(bareBundle.file, 15, env);

  const figures = {
    ...events,
    ...imports,
    ...load,
    readsPerResolution: round((readsSip + readsNumber) / 2, 3),
    readsPerResolutionSip: round(readsSip, 3),
    readsPerResolutionNumber: round(readsNumber, 3),
    resolveVsGetItem: round(median(small.resolveMs) / getItemMedian),
    resolveP99VsGetItem: round(quantile(small.resolveMs, 0.99) / getItemMedian),
    getItemMedianMs: round(getItemMedian, 3),
    httpVsGetItem: round(httpPerSecond / rawGetItemsPerSecond),
    httpResolutionsPerSecond: Math.round(httpPerSecond),
    rawGetItemsPerSecond: Math.round(rawGetItemsPerSecond),
    scale100kVs1k: round(median(scale.largeMs) / median(scale.smallMs)),
    resolveMedianMs1k: round(median(scale.smallMs), 3),
    resolveMedianMsLarge: round(median(scale.largeMs), 3),
    getItemScale100kVs1k: round(median(scale.largeGetItemMs) / median(scale.smallGetItemMs)),
    scale100kVs1kVsGetItem: round(
      median(scale.largeMs) / median(scale.largeGetItemMs) / (median(scale.smallMs) / median(scale.smallGetItemMs)),
    ),
    usersLarge: LARGE,
    resolveBundleBytes: resolveBundle.bytes,
    bareSdkBundleBytes: bareBundle.bytes,
    coldImportVsBareSdk: round(resolveImport / bareImport),
    coldImportResolveMs: round(resolveImport, 1),
    coldImportBareSdkMs: round(bareImport, 1),
  };

  if (values.json) {
    console.log(JSON.stringify(figures));
  } else {
    const rows: [string, string, string][] = [
      ['DynamoDB reads per resolution (SIP / number)', `${figures.readsPerResolutionSip} / ${figures.readsPerResolutionNumber}`, '1.0'],
      ['resolve median / GetItem median (in process)', `${figures.resolveVsGetItem}x  (GetItem ${figures.getItemMedianMs} ms)`, '≤ 1.2'],
      ['resolve p99 / GetItem median (in process)', `${figures.resolveP99VsGetItem}x`, ''],
      [
        'HTTP resolutions/s / raw GetItems/s (c=16)',
        `${figures.httpVsGetItem}x  (${figures.httpResolutionsPerSecond} vs ${figures.rawGetItemsPerSecond}/s)`,
        '≥ 0.7',
      ],
      [
        `resolve median, ${LARGE} users / ${SMALL} users`,
        `${figures.scale100kVs1k}x  (${figures.resolveMedianMsLarge} vs ${figures.resolveMedianMs1k} ms)`,
        'within 10%',
      ],
      [`  bare GetItem median, same two tables`, `${figures.getItemScale100kVs1k}x  (DynamoDB Local's own growth)`, ''],
      [`  resolve/GetItem at ${LARGE} over resolve/GetItem at ${SMALL}`, `${figures.scale100kVs1kVsGetItem}x`, 'within 10%'],
      [
        'resolve bundle (esbuild, minified)',
        `${(figures.resolveBundleBytes / 1024).toFixed(0)} KiB (bare SDK ${(figures.bareSdkBundleBytes / 1024).toFixed(0)} KiB)`,
        '',
      ],
      [
        'cold import, resolve / bare SDK handler',
        `${figures.coldImportVsBareSdk}x  (${figures.coldImportResolveMs} vs ${figures.coldImportBareSdkMs} ms)`,
        '≤ 1.5',
      ],
      ['provider events delivered per second (local provider)', `${figures.providerEventsPerSecond}/s`, '≥ 200/s'],
      [
        'provider ready → hosted: the next call',
        `${figures.readyFlipsOnNextCall} on the next call, within ${figures.readyToHostedMs} ms`,
        'the next call',
      ],
      [
        `exumctl import users/s / raw BatchWriteItem users/s (${figures.importUsersPerRun} a run)`,
        `${figures.importVsBatchWrite}x  (${figures.importUsersPerSecond} vs ${figures.batchWriteUsersPerSecond}/s)`,
        '≥ 0.7',
      ],
      [
        '  conditional transactions of the same items / BatchWriteItem',
        `${figures.transactWriteVsBatchWrite}x  (${figures.transactWriteUsersPerSecond}/s: DynamoDB Local's ceiling for claims)`,
        '',
      ],
      ['  exumctl import / conditional transactions', `${figures.importVsTransactWrite}x`, ''],
      [
        `load: resolutions/s sustained, ${figures.loadOfferedPerSecond}/s offered for ${figures.loadSeconds} s with writes and a migration`,
        `${figures.loadSustainedVsOffered}x  (${figures.loadResolvesPerSecond}/s, p50 ${figures.loadP50Ms} ms, p99 ${figures.loadP99Ms} ms)`,
        '1.0',
      ],
      [
        '  load: errors and 5xx (resolutions and writes)',
        `${figures.loadErrors} errors, ${figures.load5xx} 5xx (${figures.loadWrites} writes, ${figures.loadWritesRefused} refused by rules; ${figures.loadMigratedUsers} users migrated)`,
        '0 and 0',
      ],
      [
        '  load: server memory (RSS) after the run / before',
        `${figures.loadRssAfterVsBefore}x  (${figures.loadRssBeforeMb} → ${figures.loadRssAfterMb} MB, ${figures.loadRssGrowthMb} MB)`,
        '≤ 1.1',
      ],
    ];
    const width = Math.max(...rows.map(([name]) => name.length));
    console.log(`${'measure'.padEnd(width)}  result  [target]`);
    for (const [name, result, goal] of rows) console.log(`${name.padEnd(width)}  ${result}${goal === '' ? '' : `  [${goal}]`}`);
  }
} finally {
  await stopBenchProcess(server);
  client.destroy();
  await dynamo.stop();
  await dynamoLarge?.stop();
}
