// `npm start` as a person runs it, for the tests: its own process in a directory of its own (with
// --demo it writes ./.exumctl.yaml there), the banner read until the line that ends it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** What `npm start` runs: the launcher of the compiled service (dist/ is built by the global setup). */
const EXUM_LOCAL = fileURLToPath(new URL('../../bin/exum-local.mjs', import.meta.url));
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const started: ChildProcess[] = [];

/** For afterAll: no service a test started outlives the file, whatever the test did. */
export function stopStartedServices(): void {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
}

/**
 * Starts `npm start`'s script and reads its banner until the last line it prints at start. It
 * runs in a directory of its own: with --demo it writes ./.exumctl.yaml there.
 */
export async function start(
  args: string[],
  lastLine: RegExp,
  cwd = mkdtempSync(join(tmpdir(), 'exum-start-')),
  env: Record<string, string> = {},
) {
  const child = spawn(process.execPath, [EXUM_LOCAL, '--in-memory', '--port', '0', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      EXUM_OPERATOR_TOKEN: 'exum_npm_start_test_operator_token_001',
      ...env,
    },
  });
  started.push(child);
  return { child, ...(await readBanner(child, lastLine)), cwd };
}

/** Reads what the service prints at start, up to the line that ends it: the banner, its URL and DynamoDB Local's pid. */
async function readBanner(child: ChildProcess, lastLine: RegExp) {
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stdout! })) {
    lines.push(line);
    if (lastLine.test(line)) break;
  }
  const banner = lines.join('\n');
  const javaPid = Number(/\(pid (\d+)\)/.exec(banner)?.[1]);
  const url = /listening on (\S+)/.exec(banner)?.[1] ?? '';
  return { banner, javaPid, url };
}

/** Polls until the condition holds or the bound (which only ends a hang) passes; whether it holds. */
async function pollUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return condition();
}

export const alive = (pid: number) => spawnSync('kill', ['-0', String(pid)]).status === 0;

/** Waits for the process to end. The bound only ends a test that would hang; the tests do not time the stop. */
export async function gone(pid: number, timeoutMs = 60_000) {
  return pollUntil(() => !alive(pid), timeoutMs);
}

/** Waits until no process carries the mark (see processesMarked), within a bound that only ends a hang. */
export async function noneMarked(mark: string, timeoutMs = 60_000): Promise<number[]> {
  await pollUntil(() => processesMarked(mark).length === 0, timeoutMs);
  return processesMarked(mark);
}

/**
 * `npm start` itself, as a supervisor or a shell script starts it: npm in the foreground, in the
 * caller's process group (no group of its own to signal), every process it starts marked.
 */
export async function startWithNpm(mark: string) {
  const npm = spawn('npm', ['start', '--', '--in-memory', '--port', '0'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, EXUM_TEST_MARK: mark },
  });
  started.push(npm);
  const { banner, url } = await readBanner(npm, /^try:/);
  return { npm, banner, url };
}

/** Runs `npm start`'s script to its end (for refusals at start): its exit code and what it printed. */
export async function runToExit(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000) {
  const child = spawn(process.execPath, [EXUM_LOCAL, '--in-memory', ...args], {
    cwd: mkdtempSync(join(tmpdir(), 'exum-start-')),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  started.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { code, output };
}

/** Processes whose environment holds EXUM_TEST_MARK=mark: a run's children, wherever they were reparented. */
export function processesMarked(mark: string): number[] {
  const wanted = Buffer.from(`EXUM_TEST_MARK=${mark}\0`);
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`).includes(wanted);
      } catch {
        return false;
      }
    });
}
