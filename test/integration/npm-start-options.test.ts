// `npm start`'s options as its --help and docs/operations.md describe them: --host and
// --data-dir explained, --data-dir winning over EXUM_DATA_DIR, and --in-memory refusing a data
// directory rather than silently ignoring one of the two.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runToExit, stopStartedServices } from '../support/npm-start.js';

afterAll(stopStartedServices);

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const EXUM_LOCAL = fileURLToPath(new URL('../../local/exum-local.ts', import.meta.url));

describe('npm start options', () => {
  it('--help describes --host and --data-dir', async () => {
    const { code, output } = await runToExit(['--help']);
    expect(code).toBe(0);
    expect(output).toMatch(/--host\s+the address to listen on \(default 127\.0\.0\.1/);
    expect(output).toMatch(/--data-dir\s+where DynamoDB Local keeps the data \(default: \$EXUM_DATA_DIR, else \.\/\.exum-data\)/);
  });

  it('--help describes --allow-loopback-providers; a port list that is none stops the start (exit 2)', async () => {
    const help = await runToExit(['--help']);
    expect(help.output).toMatch(/--allow-loopback-providers\s+let providers' event endpoints be on this machine/);
    const { code, output } = await runToExit([], { EXUM_PROVIDER_ALLOWED_PORTS: '8443,ssh' });
    expect(code).toBe(2);
    expect(output).toContain('EXUM_PROVIDER_ALLOWED_PORTS: "ssh" is not a port (1-65535)');
  });

  it('refuses --data-dir with --in-memory (exit 2)', async () => {
    const { code, output } = await runToExit(['--data-dir', 'somewhere']);
    expect(code).toBe(2);
    expect(output).toContain('--in-memory keeps no data, --data-dir names where to keep it');
  });

  it('keeps the data in --data-dir, over EXUM_DATA_DIR', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exum-data-dir-'));
    try {
      const child = spawn(process.execPath, ['--import', TSX_LOADER, EXUM_LOCAL, '--port', '0', '--data-dir', join(dir, 'flag')], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, EXUM_DATA_DIR: join(dir, 'environment'), EXUM_OPERATOR_TOKEN: 'exum_data_dir_test_operator_token_01' },
      });
      let banner = '';
      for await (const line of createInterface({ input: child.stdout })) {
        banner += `${line}\n`;
        if (/^try:/.test(line)) break;
      }
      expect(banner).toContain(`(data: ${join(dir, 'flag')})`);
      child.kill('SIGTERM');
      await once(child, 'exit');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
