// `npm start` as a person runs it: the demo tenant resolves calls at once; SIGTERM stops
// everything; even SIGKILL leaves no Java process behind; HTTPS and mutual TLS when asked.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `npm start`'s script and reads its banner until the last line it prints at start. */
async function start(args: string[], lastLine: RegExp) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/exum-local.ts', '--in-memory', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', EXUM_OPERATOR_TOKEN: 'exum_npm_start_test_operator_token_001' },
  });
  started.push(child);
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stdout! })) {
    lines.push(line);
    if (lastLine.test(line)) break;
  }
  const banner = lines.join('\n');
  const javaPid = Number(/\(pid (\d+)\)/.exec(banner)?.[1]);
  const url = /listening on (\S+)/.exec(banner)?.[1] ?? '';
  return { child, banner, javaPid, url };
}

const alive = (pid: number) => spawnSync('kill', ['-0', String(pid)]).status === 0;

async function gone(pid: number, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return !alive(pid);
}

describe('npm start', () => {
  it('with --demo, resolves calls of a mixed-mode tenant at once, and stops cleanly on SIGTERM', async () => {
    const { child, banner, javaPid, url } = await start(['--demo'], /^try:/);
    const gateway = /gateway token: (\S+)/.exec(banner)![1]!;
    const resolve = async (target: string, reason = 'voicemail') =>
      ((await (await fetch(`${url}/v1/resolve`, { method: "POST", headers: { authorization: `Bearer ${gateway}`, "content-type": "application/json" }, body: JSON.stringify({ target, reason }) })).json()) as { decision: string }).decision;
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
    const openssl = (...args: string[]) => {
      const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(result.stderr);
    };
    try {
      openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=exum test CA');
      openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1');
      openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-copy_extensions', 'copy');
      openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'gateway.key', '-out', 'gateway.csr', '-subj', '/CN=gateway01');
      openssl('x509', '-req', '-in', 'gateway.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'gateway.pem', '-days', '1');
      const { child, url } = await start(['--tls-cert', join(dir, 'server.pem'), '--tls-key', join(dir, 'server.key'), '--tls-client-ca', join(dir, 'ca.pem')], /^try:/);
      expect(url).toMatch(/^https:/);
      const get = (withClientCertificate: boolean) =>
        new Promise<number>((resolve, reject) => {
          const req = request(`${url}/v1/tenants`, {
            ca: readFileSync(join(dir, 'ca.pem')),
            headers: { authorization: 'Bearer exum_npm_start_test_operator_token_001' },
            ...(withClientCertificate ? { cert: readFileSync(join(dir, 'gateway.pem')), key: readFileSync(join(dir, 'gateway.key')) } : {}),
          }, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          });
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
});
