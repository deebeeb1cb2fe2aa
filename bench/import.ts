// Bulk import throughput: `exumctl import` (its own process, CSV → POST /users/batch → the local
// server → DynamoDB Local) against raw BatchWriteItem of the same items (each user and its number
// copy) on the same DynamoDB Local. Runs alternate A B B A on fresh tables, because DynamoDB
// Local slows down as its stream records pile up and each side must get the same share of that.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createApiDeps } from '../lib/api/deps.js';
import { createCredential } from '../lib/management/tenants.js';
import { ensureTable } from '../lib/store/create-table.js';
import { ExumStore } from '../lib/store/exum-store.js';
import { TENANT, seedTenantConfig, seedUsers, userLineUri, userSipUri } from './seed.js';
import { round } from './stats.js';

const OPERATOR = 'exum_bench_import_operator_token_0000001';
const CONCURRENCY = 4;

/** The CSV an administrator would import: the same users seedUsers writes. */
function writeCsv(path: string, count: number): void {
  const lines = ['sipUri,displayName,lineUri,enabled,enterpriseVoiceEnabled,site,hostedVoicemailPolicy,onPremisesUm.enabled,onPremisesUm.dialPlan'];
  for (let index = 0; index < count; index++) {
    lines.push([userSipUri(index), `User ${index}`, userLineUri(index), 'true', 'true', index % 2 === 0 ? 'Redmond' : 'Dublin', index % 3 === 0 ? 'ExOnline' : '', 'true', 'dp.bench.example.com'].join(','));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** A user admin's token for the tenant of a fresh table. */
async function prepareTable(client: DynamoDBClient, tableName: string): Promise<string> {
  await ensureTable(client, tableName);
  const deps = createApiDeps(new ExumStore(client, tableName));
  await seedTenantConfig(deps);
  const operator = { credentialId: 'cred_bench', role: 'operator' as const, tenantId: null, providerId: null };
  const outcome = await createCredential(deps, operator, TENANT, { role: 'user-admin', name: 'bench import' }, { dryRun: false, ifMatch: null });
  if (outcome.dryRun || outcome.record === null) throw new Error('no credential');
  return outcome.record.token;
}

/** Seconds for `exumctl import` of the CSV into a fresh table, through a server of its own. */
async function timeImport(client: DynamoDBClient, endpoint: string, tableName: string, csv: string): Promise<number> {
  const token = await prepareTable(client, tableName);
  // The stream processor is left out: in AWS it is a Lambda of its own; here it would compete
  // for the one DynamoDB Local the baseline has to itself.
  const server = spawn(process.execPath, ['--import', 'tsx', 'bench/serve.ts', endpoint, tableName, OPERATOR, 'no-stream'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  try {
    const [url] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
    const started = performance.now();
    const cli = spawn(process.execPath, ['bin/exumctl.mjs', 'import', csv, '--restart', '--concurrency', String(CONCURRENCY), '-o', 'json'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, EXUM_SERVER: url, EXUM_TOKEN: token, EXUM_TENANT: TENANT, EXUMCTL_CONFIG: '/dev/null' },
    });
    let output = '';
    cli.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(cli, 'exit')) as [number];
    const seconds = (performance.now() - started) / 1000;
    const result = JSON.parse(output) as { counts: { created: number; failed: number } };
    if (code !== 0 || result.counts.failed > 0) throw new Error(`exumctl import exited ${code}: ${output}`);
    return seconds;
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
}

async function timeBatchWrite(client: DynamoDBClient, tableName: string, count: number): Promise<number> {
  await ensureTable(client, tableName);
  const started = performance.now();
  await seedUsers(client, tableName, 0, count, CONCURRENCY);
  return (performance.now() - started) / 1000;
}

export async function measureImport(client: DynamoDBClient, endpoint: string, usersPerRun: number) {
  const dir = mkdtempSync(join(tmpdir(), 'exum-bench-import-'));
  try {
    const csv = join(dir, 'users.csv');
    writeCsv(csv, usersPerRun);
    // Warm-up of both paths (JIT, DynamoDB Local's JVM), not counted.
    await timeBatchWrite(client, 'bench-import-warm-a', 2000);
    writeCsv(join(dir, 'warm.csv'), 2000);
    await timeImport(client, endpoint, 'bench-import-warm-b', join(dir, 'warm.csv'));

    const batchWrite = (await timeBatchWrite(client, 'bench-batch-1', usersPerRun)) + 0;
    const imports = (await timeImport(client, endpoint, 'bench-import-1', csv)) + (await timeImport(client, endpoint, 'bench-import-2', csv));
    const batchWrites = batchWrite + (await timeBatchWrite(client, 'bench-batch-2', usersPerRun));
    const importPerSecond = (2 * usersPerRun) / imports;
    const batchWritePerSecond = (2 * usersPerRun) / batchWrites;
    return {
      importVsBatchWrite: round(importPerSecond / batchWritePerSecond),
      importUsersPerSecond: Math.round(importPerSecond),
      batchWriteUsersPerSecond: Math.round(batchWritePerSecond),
      importUsersPerRun: usersPerRun,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
