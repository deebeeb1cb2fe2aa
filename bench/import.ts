// Bulk import throughput: `exumctl import` (its own process, CSV → POST /users/batch → the local
// server → DynamoDB Local) against two baselines of the same users in the same table of the same
// DynamoDB Local, alternated around the imports after a warm-up of each, so drift falls on all
// sides alike:
//   - the ceiling: the import's own transactions (what user-batch.ts decides for each CSV row and
//     principals-together.ts packs: each user and its number copy as claims, the grant counter,
//     the summary counter shard with the domain fence, the policy guards), sent by a bare client
//     at the import's concurrency. DynamoDB Local runs transactions one at a time, so no import
//     that keeps its guarantees can pass it: importVsTransactCeiling is what the import costs
//     over its own writes (the reads of an upsert, HTTP, the CLI);
//   - raw BatchWriteItem of the user items (no condition, no counters), kept for reference.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransactWriteItemsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parse } from 'csv-parse/sync';
import pLimit from 'p-limit';
import { mapHeader, rowFromRecord } from '../cli/user-import/csv-columns.js';
import type { Actor } from '../lib/domain/credential.js';
import { UserUpsertSchema } from '../lib/domain/user.js';
import { decideRow, MAX_BATCH_ROWS } from '../lib/management/user-batch.js';
import { loadConfig } from '../lib/management/tenant-configuration.js';
import type { PrincipalChange } from '../lib/store/changes.js';
import { principalTransactions } from '../lib/store/principals-together.js';
import { TableClient, transactItems } from '../lib/store/table-client.js';
import { createApiDeps } from '../functions/wiring/deps.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { createDynamoClient } from '../lib/store/client.js';
import { ensureTable } from '../lib/store/create-table.js';
import { ExumStore } from '../lib/store/exum-store.js';
import { startBenchProcess, stopBenchProcess } from './child-process.js';
import { TENANT, seedTenantConfig, seedToken, seedUsers, userLineUri, userSipUri } from './seed.js';
import { round } from './stats.js';

const OPERATOR = 'exum_bench_import_operator_token_0000001';
const TABLE = 'bench-import';
const log = (message: string) => process.stderr.write(`${message}\n`);
const CONCURRENCY = 4;

/** The CSV an administrator would import: the same users seedUsers writes, [from, to). */
function writeCsv(path: string, from: number, to: number): void {
  const lines = [
    'sipUri,displayName,lineUri,enabled,enterpriseVoiceEnabled,site,hostedVoicemailPolicy,onPremisesUm.enabled,onPremisesUm.dialPlan',
  ];
  for (let index = from; index < to; index++) {
    lines.push(
      [
        userSipUri(index),
        `User ${index}`,
        userLineUri(index),
        'true',
        'true',
        index % 2 === 0 ? 'Redmond' : 'Dublin',
        index % 3 === 0 ? 'ExOnline' : '',
        'true',
        'dp.bench.example.com',
      ].join(','),
    );
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** Seconds for `exumctl import` of a CSV, its own process, through the server at `url`. */
async function timeImport(url: string, token: string, csv: string, rows: number): Promise<{ seconds: number; sentAgain: number }> {
  log(`importing ${rows} users with exumctl`);
  const started = performance.now();
  const cli = spawn(process.execPath, ['bin/exumctl.mjs', 'import', csv, '--restart', '--concurrency', String(CONCURRENCY), '-o', 'json'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, EXUM_SERVER: url, EXUM_TOKEN: token, EXUM_TENANT: TENANT, EXUMCTL_CONFIG: '/dev/null' },
  });
  let output = '';
  cli.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(cli, 'exit')) as [number];
  const seconds = (performance.now() - started) / 1000;
  const result = JSON.parse(output) as { counts: { created: number; unchanged: number; failed: number } };
  // A batch the server answered 503 (its store timed out: the writes may have landed) is sent again
  // by exumctl, and the rows already written answer unchanged: what a real import does, counted.
  if (code !== 0 || result.counts.created + result.counts.unchanged !== rows || result.counts.failed > 0)
    throw new Error(`exumctl import exited ${code}: ${output}`);
  return { seconds, sentAgain: result.counts.unchanged };
}

/** The user admin the import's changes are decided for (the import's own credential is another id of the same role). */
const IMPORTER: Actor = { credentialId: 'cred_bench_import', role: 'user-admin', tenantId: TENANT, providerId: null };

/**
 * The transactions an import of this CSV writes, built by the import's own code: the rows read as
 * exumctl reads them (csv-columns.ts), parsed as POST /users/batch parses them, decided as
 * user-batch.ts decides creations, packed per request of MAX_BATCH_ROWS rows as
 * principals-together.ts packs them. Built before the clock starts.
 */
async function importTransactions(deps: ReturnType<typeof createApiDeps>, table: TableClient, csv: string) {
  const parsed: string[][] = parse(readFileSync(csv), { trim: true, skip_empty_lines: true });
  const [header, ...records] = parsed;
  const mapping = mapHeader(header!);
  if (!mapping.ok) throw new Error(mapping.message);
  const config = await loadConfig(deps, TENANT);
  const now = deps.now();
  const changes: PrincipalChange[] = records.map((record) => {
    const row = rowFromRecord(record, mapping.columns);
    if (!row.ok) throw new Error(`row ${JSON.stringify(record)}: ${JSON.stringify(row.issues)}`);
    const decided = decideRow(UserUpsertSchema.parse(row.user), null, config, IMPORTER, now);
    if (decided.after === null) throw new Error(`row ${JSON.stringify(record)} decided unchanged`);
    return { before: null, after: decided.after, guards: decided.guards };
  });
  const transactions = [];
  for (let start = 0; start < changes.length; start += MAX_BATCH_ROWS)
    transactions.push(...principalTransactions(table, TENANT, changes.slice(start, start + MAX_BATCH_ROWS)));
  return transactions.map(transactItems);
}

/**
 * The ceiling: the import's transactions (importTransactions) sent by a bare client, CONCURRENCY
 * at a time (the import's requests in flight, each writing its transactions one after another).
 * Any cancellation fails the figure: fresh users claim nothing taken.
 */
async function timeTransactCeiling(deps: ReturnType<typeof createApiDeps>, table: TableClient, csv: string, rows: number): Promise<number> {
  const transactions = await importTransactions(deps, table, csv);
  log(`writing ${rows} users in the import's ${transactions.length} transactions`);
  const limit = pLimit(CONCURRENCY);
  const started = performance.now();
  await Promise.all(transactions.map((TransactItems) => limit(() => table.client.send(new TransactWriteItemsCommand({ TransactItems })))));
  return (performance.now() - started) / 1000;
}

async function timeBatchWrite(client: DynamoDBClient, from: number, to: number): Promise<number> {
  log(`batch-writing ${to - from} users`);
  const started = performance.now();
  await seedUsers(client, TABLE, from, to, CONCURRENCY);
  return (performance.now() - started) / 1000;
}

/**
 * A DynamoDB Local of its own with one table: DynamoDB Local's writes slow down with every
 * stream-enabled table it holds (a table created after five others takes writes ten times more
 * slowly), which would make the comparison a matter of table order.
 */
export async function measureImport(usersPerRun: number) {
  const dynamo = await startDynamoDbLocal();
  // The baselines' client waits out a busy machine: a slow batch is measured, not a failure.
  const client = createDynamoClient({ endpoint: dynamo.endpoint, requestTimeoutMs: 60_000 });
  const dir = mkdtempSync(join(tmpdir(), 'exum-bench-import-'));
  // The stream processor is left out: in AWS it is a Lambda of its own; here it would compete
  // for the one DynamoDB Local the baseline has to itself.
  let server: ChildProcess | undefined;
  try {
    await ensureTable(client, TABLE);
    const deps = createApiDeps(new ExumStore(client, TABLE));
    await seedTenantConfig(deps);
    const token = await seedToken(deps, { role: 'user-admin', name: 'bench import' });
    // The server waits on DynamoDB Local as long as the baselines' client does (60 s, not the
    // deployed 2 s): four requests' transactions queue behind each other in DynamoDB Local, and on
    // a busy machine a 2 s timeout turns that queue into 503s, backoff and batches sent again, a
    // cost of the local engine the ceiling does not pay. (Its environment is read at the spawn.)
    process.env.EXUM_BENCH_STORE_TIMEOUT_MS = '60000';
    const serverStarting = startBenchProcess('bench/serve.ts', [dynamo.endpoint, TABLE, OPERATOR, 'no-stream']);
    delete process.env.EXUM_BENCH_STORE_TIMEOUT_MS;
    const serverStarted = await serverStarting;
    server = serverStarted.child;
    const url = serverStarted.line;

    // Each run writes users of its own: [0, N) is the warm-up, then runs of N.
    const n = usersPerRun;
    const table = new TableClient(client, TABLE);
    const csvOf = (from: number) => {
      const path = join(dir, `users-${from}.csv`);
      writeCsv(path, from, from + n);
      return path;
    };
    await timeImport(url, token, csvOf(0), n);
    await timeBatchWrite(client, 20 * n, 21 * n);
    await timeTransactCeiling(deps, table, csvOf(21 * n), n);
    // B C I C C I C B: batch writes, the ceiling, imports; each import between two ceilings.
    const batchWrites = [await timeBatchWrite(client, n, 2 * n)];
    const ceilings = [await timeTransactCeiling(deps, table, csvOf(2 * n), n)];
    const importRuns = [await timeImport(url, token, csvOf(3 * n), n)];
    ceilings.push(await timeTransactCeiling(deps, table, csvOf(4 * n), n));
    ceilings.push(await timeTransactCeiling(deps, table, csvOf(5 * n), n));
    importRuns.push(await timeImport(url, token, csvOf(6 * n), n));
    const imports = importRuns.map((run) => run.seconds);
    ceilings.push(await timeTransactCeiling(deps, table, csvOf(7 * n), n));
    batchWrites.push(await timeBatchWrite(client, 8 * n, 9 * n));
    const perSecond = (seconds: number[]) => (seconds.length * n) / seconds.reduce((total, value) => total + value, 0);
    const importPerSecond = perSecond(imports);
    const batchWritePerSecond = perSecond(batchWrites);
    const ceilingPerSecond = perSecond(ceilings);
    // Each import against the two ceilings around it: how much one busy moment moved the figure.
    const pairs = [perSecond([imports[0]!]) / perSecond(ceilings.slice(0, 2)), perSecond([imports[1]!]) / perSecond(ceilings.slice(2, 4))];
    return {
      importVsTransactCeiling: round(importPerSecond / ceilingPerSecond),
      importVsTransactCeilingPairs: pairs.map((ratio) => round(ratio)).join(', '),
      importVsBatchWrite: round(importPerSecond / batchWritePerSecond),
      transactCeilingVsBatchWrite: round(ceilingPerSecond / batchWritePerSecond),
      importUsersPerSecond: Math.round(importPerSecond),
      transactCeilingUsersPerSecond: Math.round(ceilingPerSecond),
      batchWriteUsersPerSecond: Math.round(batchWritePerSecond),
      importUsersPerRun: n,
      importRowsSentAgain: importRuns.reduce((total, run) => total + run.sentAgain, 0),
    };
  } finally {
    await stopBenchProcess(server);
    rmSync(dir, { recursive: true, force: true });
    client.destroy();
    await dynamo.stop();
  }
}
