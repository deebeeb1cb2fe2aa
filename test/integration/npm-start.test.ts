// `npm start` as a person runs it: the demo tenant resolves calls at once; SIGTERM stops
// everything; even SIGKILL leaves no Java process behind; HTTPS and mutual TLS when asked.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { makeTlsFiles } from '../support/tls-service.js';
import { alive, gone, noneMarked, runToExit, start, startWithNpm, stopStartedServices } from '../support/npm-start.js';

afterAll(stopStartedServices);

describe('npm start', () => {
  it('with --demo, resolves calls of a mixed-mode tenant at once, and stops cleanly on SIGTERM', async () => {
    const { child, banner, javaPid, url } = await start(['--demo'], /^try:/);
    const gateway = /gateway token: (\S+)/.exec(banner)![1]!;
    const resolve = async (target: string, reason = 'voicemail') =>
      (
        (await (
          await fetch(`${url}/v1/resolve`, {
            method: 'POST',
            headers: { authorization: `Bearer ${gateway}`, 'content-type': 'application/json' },
            body: JSON.stringify({ target, reason }),
          })
        ).json()) as { decision: string }
      ).decision;
    expect(await resolve('sip:alice@contoso.com')).toBe('on-premises');
    expect(await resolve('sip:bob@contoso.com')).toBe('hosted');
    expect(await resolve('tel:+14255551003')).toBe('hosted');
    expect(await resolve('+14255550100', 'subscriber-access')).toBe('hosted');
    expect(await resolve('+14255550200', 'auto-attendant')).toBe('on-premises');
    expect(alive(javaPid)).toBe(true);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(await gone(javaPid)).toBe(true);
  });

  it('leaves no Java process behind even when killed with SIGKILL', async () => {
    const { child, javaPid } = await start([], /^try:/);
    expect(alive(javaPid)).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await gone(javaPid)).toBe(true);
  });

  it('serves HTTPS, and with a client CA refuses clients without a certificate it signed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exum-tls-'));
    try {
      // A CA, the server's certificate (server.pem/key) and a client's it signed (gateway.pem/key).
      makeTlsFiles(dir);
      const { child, url } = await start(
        ['--tls-cert', join(dir, 'server.pem'), '--tls-key', join(dir, 'server.key'), '--tls-client-ca', join(dir, 'ca.pem')],
        /^try:/,
      );
      expect(url).toMatch(/^https:/);
      const get = (withClientCertificate: boolean) =>
        new Promise<number>((resolve, reject) => {
          const req = request(
            `${url}/v1/tenants`,
            {
              ca: readFileSync(join(dir, 'ca.pem')),
              headers: { authorization: 'Bearer exum_npm_start_test_operator_token_001' },
              ...(withClientCertificate
                ? { cert: readFileSync(join(dir, 'gateway.pem')), key: readFileSync(join(dir, 'gateway.key')) }
                : {}),
            },
            (response) => {
              response.resume();
              resolve(response.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          req.end();
        });
      expect(await get(true)).toBe(200);
      await expect(get(false)).rejects.toThrow();
      child.kill('SIGTERM');
      await once(child, 'exit');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says clearly that Java is missing, and exits 1', async () => {
    // A PATH holding node and nothing else: no java.
    const bin = mkdtempSync(join(tmpdir(), 'exum-no-java-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const { code, output } = await runToExit(['--port', '0'], { PATH: bin });
    expect(code).toBe(1);
    expect(output).toContain('exum-router: DynamoDB Local needs Java, and `java` was not found on PATH');
    expect(output).toContain('apt-get install -y default-jre-headless');
  });

  it('says clearly that the port is taken, exits 1, and leaves no Java process behind', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    try {
      // Every process the run starts inherits this mark: none may be left once it has exited.
      const mark = `port-taken-${process.pid}-${Date.now()}`;
      const { code, output } = await runToExit(['--port', String(port)], { EXUM_TEST_MARK: mark });
      expect(code).toBe(1);
      expect(output).toContain(`exum-router: port ${port} is already in use; set PORT or --port`);
      expect(await noneMarked(mark)).toEqual([]);
    } finally {
      taken.close();
    }
  });

  // What systemd, a container runtime or a shell script does: signal the one PID it started.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops everything it started, and exits 0, when ${signal} is sent to the PID of npm start`, async () => {
      const mark = `npm-${signal}-${process.pid}-${Date.now()}`;
      const { npm, url } = await startWithNpm(mark);
      expect((await fetch(`${url}/v1/tenants`)).status).toBe(401); // the API answers
      // The service, DynamoDB Local and its watchdog, at least, besides npm.
      expect((await noneMarked(mark, 0)).length).toBeGreaterThanOrEqual(3);
      npm.kill(signal);
      const [code] = await once(npm, 'exit');
      expect(code).toBe(0);
      expect(await noneMarked(mark)).toEqual([]);
    });
  }

  it('stops when the process that started it is killed outright (no signal reaches the service)', async () => {
    const mark = `npm-sigkill-${process.pid}-${Date.now()}`;
    const { npm } = await startWithNpm(mark);
    npm.kill('SIGKILL');
    await once(npm, 'exit');
    expect(await noneMarked(mark)).toEqual([]);
  });

  it('forces on a second signal when the first stop does not finish', async () => {
    // A service whose stop never ends: only the second signal can end it.
    const script = `
      import { writeSync } from 'node:fs';
      import { superviseShutdown } from ${JSON.stringify(new URL('../../local/shutdown.ts', import.meta.url).href)};
      const shutdown = superviseShutdown({ log: (line) => console.log(line) });
      // Written synchronously: the process exits right after.
      shutdown.whenRequested(() => new Promise(() => {}), () => writeSync(1, 'forced\\n'));
      setInterval(() => {}, 1000);
      console.log('ready');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const printed = async (text: string) => {
      while (!output.includes(text) && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
      return output.includes(text);
    };
    expect(await printed('ready')).toBe(true);
    child.kill('SIGTERM');
    expect(await printed('SIGTERM, stopping')).toBe(true);
    expect(child.exitCode).toBeNull();
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output).toContain('SIGTERM again, forcing');
    expect(output).toContain('forced');
  });
});
