// exumctl as a person or a script runs it: its own process, settings from the environment, no
// config file of the machine's (XDG_CONFIG_HOME is a fresh directory).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXUMCTL = fileURLToPath(new URL('../../bin/exumctl.mjs', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
}

const isolatedHome = mkdtempSync(join(tmpdir(), 'exumctl-home-'));

export function spawnExumctl(args: string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, [EXUMCTL, ...args], {
    cwd: options.cwd ?? isolatedHome,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      XDG_CONFIG_HOME: isolatedHome,
      EXUM_SERVER: undefined,
      EXUM_TOKEN: undefined,
      EXUM_TENANT: undefined,
      ...options.env,
    },
  });
}

/** Runs exumctl to its end. */
export async function exumctl(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const child = spawnExumctl(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number>((resolve) =>
    child.on('close', (exitCode, signal) => resolve(exitCode ?? (signal === null ? -1 : 128))),
  );
  return { code, stdout, stderr };
}

/** exumctl bound to a server, a credential and a tenant through the environment. */
export const exumctlAt =
  (server: () => string, token: string, tenant?: string) =>
  (args: string[], env: Record<string, string> = {}) =>
    exumctl(args, { env: { EXUM_SERVER: server(), EXUM_TOKEN: token, ...(tenant === undefined ? {} : { EXUM_TENANT: tenant }), ...env } });
