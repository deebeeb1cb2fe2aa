// The public entry points as a person runs them, each against a baseline measured in the same
// run: `exumctl --version` against `node -e 0`, `exumctl test-voicemail` against a one-line
// `node -e` making the same request with fetch, and `npm start` until its API answers against
// DynamoDB Local alone until it answers. Through the entry points only (package.json's bin and
// start script), so the figures hold whatever they run underneath (tsx, compiled bundles).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createApiDeps } from '../functions/wiring/deps.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { createDynamoClient } from '../lib/store/client.js';
import { ensureTable } from '../lib/store/create-table.js';
import { ExumStore } from '../lib/store/exum-store.js';
import { startBenchProcess, stopBenchProcess } from './child-process.js';
import { TENANT, seedTenantConfig, seedToken, seedUsers, userSipUri } from './seed.js';
import { median, round } from './stats.js';

export interface EntryPointsReport {
  cliVersionVsNodeStart: number;
  cliVersionMs: number;
  nodeStartMs: number;
  cliResolveVsBareNode: number;
  cliResolveMs: number;
  bareNodeResolveMs: number;
  startToReadyVsDynamoLocal: number;
  startToReadyMs: number;
  dynamoLocalReadyMs: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'node_modules', '.bin');
/** The project's Node (24), as npm puts it first on PATH for its scripts. */
const NODE = join(BIN, 'node');
const ENV = { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ''}`, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const OPERATOR = 'exum_bench_entry_operator_token_00000001';

const packageJson = () =>
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string>; scripts?: Record<string, string> };

/** exumctl as installed: node_modules/.bin/exumctl where npm linked it, else the file package.json's bin names (what the link points to). */
function exumctlPath(): string {
  const linked = join(BIN, 'exumctl');
  if (existsSync(linked)) return linked;
  const bin = packageJson().bin?.exumctl;
  if (bin === undefined) throw new Error('package.json names no exumctl bin');
  return resolve(ROOT, bin);
}

/** Wall time of one process from spawn to exit; a failed run fails the measure (with its output). */
function wallMs(command: string, args: string[], env: NodeJS.ProcessEnv = ENV): number {
  const start = performance.now();
  const child = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (child.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${child.status}: ${(child.stderr || child.stdout).slice(-600)}`);
  return ms;
}

/** Medians of two commands run in turn (so drift falls on both), after a warm-up of each. */
function interleaved(runs: number, first: () => number, second: () => number): [number, number] {
  first();
  second();
  const a: number[] = [];
  const b: number[] = [];
  for (let run = 0; run < runs; run++) {
    a.push(first());
    b.push(second());
  }
  return [median(a), median(b)];
}

/** `npm start -- --in-memory --port 0` as npm runs it (its start script, through sh, node_modules/.bin first), until its API answers. */
async function startToReadyMs(): Promise<number> {
  const script = packageJson().scripts?.start;
  if (script === undefined) throw new Error('package.json has no start script');
  const start = performance.now();
  // Its own process group: the service and its DynamoDB Local are stopped together.
  const child = spawn('sh', ['-c', `${script} --in-memory --port 0`], {
    cwd: ROOT,
    env: { ...ENV, EXUM_OPERATOR_TOKEN: OPERATOR },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  try {
    let url: string | undefined;
    for await (const line of createInterface({ input: child.stdout })) {
      url = /listening on (\S+)/.exec(line)?.[1];
      if (url !== undefined) break;
    }
    if (url === undefined) throw new Error(`npm start printed no URL: ${stderr}`);
    for (;;) {
      try {
        const answer = await fetch(`${url}/v1/tenants`, { headers: { authorization: `Bearer ${OPERATOR}` } });
        await answer.text();
        if (answer.status === 200) return performance.now() - start;
        throw new Error(`npm start answered ${answer.status}`);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('npm start answered')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  } finally {
    await stopGroup(child);
  }
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  process.kill(-child.pid, 'SIGTERM');
  await exited;
}

async function dynamoLocalReadyMs(): Promise<number> {
  const start = performance.now();
  const dynamo = await startDynamoDbLocal();
  const ms = performance.now() - start;
  await dynamo.stop();
  return ms;
}

export async function measureEntryPoints(options: { runs?: number; log?: (message: string) => void } = {}): Promise<EntryPointsReport> {
  const runs = options.runs ?? 11;
  const log = options.log ?? (() => undefined);
  const exumctl = exumctlPath();

  log('entry points: exumctl --version');
  const [cliVersionMs, nodeStartMs] = interleaved(
    runs,
    () => wallMs(exumctl, ['--version']),
    () => wallMs(NODE, ['-e', '0']),
  );

  log('entry points: exumctl test-voicemail');
  const dynamo = await startDynamoDbLocal();
  const client = createDynamoClient({ endpoint: dynamo.endpoint, requestTimeoutMs: 60_000 });
  let server: ChildProcess | undefined;
  let resolve: [number, number];
  try {
    const table = 'bench-entry-points';
    await ensureTable(client, table);
    const deps = createApiDeps(new ExumStore(client, table));
    await seedTenantConfig(deps);
    await seedUsers(client, table, 0, 10);
    const token = await seedToken(deps, { role: 'gateway', name: 'bench cli' });
    const started = await startBenchProcess('bench/serve.ts', [dynamo.endpoint, table, OPERATOR]);
    server = started.child;
    const url = started.line;
    const target = userSipUri(1);
    const cliEnv = { ...ENV, EXUM_SERVER: url, EXUM_TOKEN: token, EXUM_TENANT: TENANT, EXUMCTL_CONFIG: '/dev/null' };
    // The request exumctl makes (with its explanation), by the shortest script that makes it.
    const bare = `fetch(${JSON.stringify(`${url}/v1/resolve?explain=true`)}, { method: 'POST', headers: { authorization: 'Bearer ${token}', 'content-type': 'application/json' }, body: JSON.stringify({ target: ${JSON.stringify(target)}, reason: 'voicemail' }) }).then((r) => r.text()).then((t) => process.stdout.write(t))`;
    resolve = interleaved(
      runs,
      () => wallMs(exumctl, ['test-voicemail', target], cliEnv),
      () => wallMs(NODE, ['-e', bare], cliEnv),
    );
  } finally {
    await stopBenchProcess(server);
    client.destroy();
    await dynamo.stop();
  }

  log('entry points: npm start until its API answers');
  const startMs: number[] = [];
  const dynamoMs: number[] = [];
  await startToReadyMs();
  await dynamoLocalReadyMs();
  for (let run = 0; run < Math.max(3, Math.ceil(runs / 2)); run++) {
    startMs.push(await startToReadyMs());
    dynamoMs.push(await dynamoLocalReadyMs());
  }

  return {
    cliVersionVsNodeStart: round(cliVersionMs / nodeStartMs),
    cliVersionMs: round(cliVersionMs, 1),
    nodeStartMs: round(nodeStartMs, 1),
    cliResolveVsBareNode: round(resolve[0] / resolve[1]),
    cliResolveMs: round(resolve[0], 1),
    bareNodeResolveMs: round(resolve[1], 1),
    startToReadyVsDynamoLocal: round(median(startMs) / median(dynamoMs)),
    startToReadyMs: round(median(startMs), 1),
    dynamoLocalReadyMs: round(median(dynamoMs), 1),
  };
}
