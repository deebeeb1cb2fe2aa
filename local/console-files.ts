// The operator console's files (dist/console, built by bin/build.mjs), served at / on the same
// origin as the API, as CloudFront serves them from S3 in AWS: hashed assets cached for good,
// index.html never cached, any other path without a file extension answered with index.html
// (the console's own routes, e.g. /users), and the same security headers as CloudFront adds.
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { CONSOLE_SECURITY_HEADERS } from '../lib/api/console-headers.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Whether a request is the console's to answer: GET or HEAD outside the API's /v1 and the health checks. */
export const isConsoleRequest = (method: string, pathname: string): boolean =>
  (method === 'GET' || method === 'HEAD') && pathname !== '/v1' && !pathname.startsWith('/v1/');

/**
 * Answers a console request from `directory`. A path that names a file (it has an extension) is
 * that file or 404; any other path is the console's own route: index.html.
 */
export async function serveConsoleFile(directory: string, method: string, pathname: string, response: ServerResponse): Promise<void> {
  const isRoute = extname(pathname) === '';
  const relative = isRoute ? 'index.html' : decodedPath(pathname).replace(/^\/+/, '');
  const root = resolve(directory);
  const file = normalize(join(root, relative));
  let body: Buffer | undefined;
  // Never outside the console's folder (`/../`, encoded or not).
  if (file.startsWith(root + sep)) body = await readFile(file).catch(() => undefined);
  if (body === undefined) {
    const text = isRoute ? 'The console is not built: run `node bin/build.mjs` (npm ci does).' : 'Not found';
    response.writeHead(404, {
      ...CONSOLE_SECURITY_HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
    });
    response.end(method === 'HEAD' ? undefined : text);
    return;
  }
  const immutable = relative.startsWith('assets/');
  response.writeHead(200, {
    ...CONSOLE_SECURITY_HEADERS,
    'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': body.length,
    // Assets carry a content hash in their names; index.html names the current ones.
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  response.end(method === 'HEAD' ? undefined : body);
}

/** The path as a file name; a malformed escape (`%E0%A4`) names no file. */
function decodedPath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return '';
  }
}
