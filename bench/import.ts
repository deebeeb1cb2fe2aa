// Bulk import throughput: `exumctl import` (its own process, CSV → POST /users/batch → the local
// server → DynamoDB Local) against raw BatchWriteItem of the same items (each user and its number
// copy) into the same table of the same DynamoDB Local, runs alternating A B B A after a warm-up
// of both, so drift falls on both sides alike.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransactWriteItemsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { createApiDeps } from '../functions/wiring/deps.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { createDynamoClient } from '../lib/store/client.js';
import { ensureTable } from '../lib/store/create-table.js';
import { ExumStore } from '../lib/store/exum-store.js';
import { startBenchProcess, stopBenchProcess } from './child-process.js';
import { TENANT, benchUserItems, seedTenantConfig, seedToken, seedUsers, userLineUri, userSipUri } from './seed.js';
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
async function timeImport(url: string, token: string, csv: string, rows: number): Promise<number> {
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
  const result = JSON.parse(output) as { counts: { created: number; failed: number } };
  if (code !== 0 || result.counts.created !== rows) throw new Error(`exumctl import exited ${code}: ${output}`);
  return seconds;
}

/**
 * The same items written as the import must write them: in transactions with the uniqueness
 * conditions (50 users, 100 items a transaction). DynamoDB Local runs such writes one at a
 * time, however many are sent at once, which bounds any import that keeps its guarantees.
 */
async function timeTransactWrite(client: DynamoDBClient, from: number, to: number): Promise<number> {
  log(`writing ${to - from} users in conditional transactions`);
  const started = performance.now();
  const limit = pLimit(CONCURRENCY);
  const chunks: number[] = [];
  for (let start = from; start < to; start += 50) chunks.push(start);
  await Promise.all(
    chunks.map((start) =>
      limit(() =>
        client.send(
          new TransactWriteItemsCommand({
            TransactItems: [...benchUserItems(start, Math.min(to, start + 50))].map((Item) => ({
              Put: { TableName: TABLE, Item, ConditionExpression: 'attribute_not_exists(pk)' },
            })),
          }),
        ),
      ),
    ),
  );
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
    const serverStarted = await startBenchProcess('bench/serve.ts', [dynamo.endpoint, TABLE, OPERATOR, 'no-stream']);
    server = serverStarted.child;
    const url = serverStarted.line;

    // Each run writes users of its own: [0, N) is the warm-up, then runs of N, A B B A.
    const n = usersPerRun;
    const csvOf = (from: number) => {
      const path = join(dir, `users-${from}.csv`);
      writeCsv(path, from, from + n);
      return path;
    };
    const warmUp = csvOf(0);
    await timeImport(url, token, warmUp, n);
    await timeBatchWrite(client, 10 * n, 11 * n);
    await timeTransactWrite(client, 11 * n, 11 * n + 2000);
    const csvs = [csvOf(n), csvOf(2 * n)];
    // A B C C B A: batch writes, imports, conditional transactions.
    const batchWrites = [await timeBatchWrite(client, 3 * n, 4 * n)];
    const imports = [await timeImport(url, token, csvs[0]!, n)];
    const transactWrites = [await timeTransactWrite(client, 5 * n, 6 * n), await timeTransactWrite(client, 6 * n, 7 * n)];
    imports.push(await timeImport(url, token, csvs[1]!, n));
    batchWrites.push(await timeBatchWrite(client, 4 * n, 5 * n));
    const perSecond = (seconds: number[]) => (seconds.length * n) / seconds.reduce((total, value) => total + value, 0);
    const importPerSecond = perSecond(imports);
    const batchWritePerSecond = perSecond(batchWrites);
    const transactWritePerSecond = perSecond(transactWrites);
    return {
      importVsBatchWrite: round(importPerSecond / batchWritePerSecond),
      importVsTransactWrite: round(importPerSecond / transactWritePerSecond),
      transactWriteVsBatchWrite: round(transactWritePerSecond / batchWritePerSecond),
      importUsersPerSecond: Math.round(importPerSecond),
      batchWriteUsersPerSecond: Math.round(batchWritePerSecond),
      transactWriteUsersPerSecond: Math.round(transactWritePerSecond),
      importUsersPerRun: n,
    };
  } finally {
    await stopBenchProcess(server);
    rmSync(dir, { recursive: true, force: true });
    client.destroy();
    await dynamo.stop();
  }
}
