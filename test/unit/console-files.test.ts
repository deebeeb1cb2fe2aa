// How npm start serves the console's files (local/console-files.ts): from a folder like
// dist/console, over a real HTTP server on loopback.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_SECURITY_HEADERS } from '../../lib/api/console-headers.js';
import { isConsoleRequest, serveConsoleFile } from '../../local/console-files.js';

let server: Server;
let base: string;

beforeAll(async () => {
  const parent = mkdtempSync(join(tmpdir(), 'console-files-'));
  const directory = join(parent, 'console');
  mkdirSync(join(directory, 'assets'), { recursive: true });
  writeFileSync(join(directory, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(directory, 'assets', 'index-abc123.js'), 'export {};');
  // Beside the console's folder, never to be served.
  writeFileSync(join(parent, 'secret.json'), '{"secret":true}');
  server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    void serveConsoleFile(directory, request.method ?? 'GET', pathname, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("the console's files", () => {
  it('answers / and any route of the console with index.html, never cached, with the security headers', async () => {
    for (const path of ['/', '/users', '/migrations/mig_1']) {
      const answer = await fetch(`${base}${path}`);
      expect(answer.status, path).toBe(200);
      expect(await answer.text()).toContain('<title>console</title>');
      expect(answer.headers.get('cache-control')).toBe('no-cache');
      for (const [name, value] of Object.entries(CONSOLE_SECURITY_HEADERS)) expect(answer.headers.get(name), name).toBe(value);
    }
  });

  it('caches hashed assets for good, with their content type', async () => {
    const answer = await fetch(`${base}/assets/index-abc123.js`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(answer.headers.get('cache-control')).toContain('immutable');
  });

  it('answers 404 for a missing file, a path out of its folder, or a malformed escape, never 5xx', async () => {
    for (const path of ['/assets/missing.js', '/..%2fsecret.json', '/assets/..%2f..%2fsecret.json', '/%E0%A4%A.js']) {
      const answer = await fetch(`${base}${path}`);
      expect(answer.status, path).toBe(404);
      expect(await answer.text()).not.toContain('secret');
    }
  });

  it('leaves the API and other methods to the API', () => {
    expect(isConsoleRequest('GET', '/v1/whoami')).toBe(false);
    expect(isConsoleRequest('GET', '/v1')).toBe(false);
    expect(isConsoleRequest('POST', '/users')).toBe(false);
    expect(isConsoleRequest('HEAD', '/users')).toBe(true);
  });
});
