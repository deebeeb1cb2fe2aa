// The local service as a gateway meets it in production: HTTPS with mutual TLS, certificates
// made with openssl by a test CA, and an API client that presents the client certificate
// (Node's fetch cannot be given a CA or a client certificate).
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { inject } from 'vitest';
import { startLocalService, type LocalService } from '../../local/local-service.js';
import { OPERATOR_TOKEN, type Answer, type ApiClient, type RequestOptions } from './service.js';

export interface TlsFiles {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function openssl(dir: string, ...args: string[]): void {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) throw new Error(`openssl ${args[0]}: ${result.error?.message ?? result.stderr}`);
}

/** A self-signed certificate (a CA, or a stranger to every CA) as `<name>.pem` and `<name>.key` in `dir`. */
export function makeSelfSigned(dir: string, name: string, commonName: string): void {
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '1',
    '-subj',
    `/CN=${commonName}`,
  );
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate (the gateway's), in `dir`. */
export function makeTlsFiles(dir: string): TlsFiles {
  makeSelfSigned(dir, 'ca', 'exum gateway test CA');
  openssl(
    dir,
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  );
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-copy_extensions',
    'copy',
  );
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'gateway.key', '-out', 'gateway.csr', '-subj', '/CN=gateway01');
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'gateway.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'gateway.pem',
    '-days',
    '1',
  );
  const path = (name: string) => join(dir, name);
  return {
    ca: path('ca.pem'),
    serverCert: path('server.pem'),
    serverKey: path('server.key'),
    clientCert: path('gateway.pem'),
    clientKey: path('gateway.key'),
  };
}

/** A local service on its own table, serving HTTPS and refusing clients without a certificate the CA signed. */
export function startTlsTestService(files: TlsFiles): Promise<LocalService> {
  return startLocalService({
    port: 0,
    tableName: `test-${randomBytes(6).toString('hex')}`,
    operatorToken: OPERATOR_TOKEN,
    dynamoEndpoint: inject('dynamoEndpoint'),
    logLevel: 'SILENT',
    configCacheMs: 0,
    credentialCacheMs: 0,
    streamProcessor: false,
    tls: { cert: readFileSync(files.serverCert), key: readFileSync(files.serverKey), clientCa: readFileSync(files.ca) },
  });
}

/** The same client as service.ts's apiClient, over HTTPS with the gateway's client certificate. */
export function tlsApiClient(url: string, files: TlsFiles, defaultToken: string | null = OPERATOR_TOKEN): ApiClient {
  const tls = { ca: readFileSync(files.ca), cert: readFileSync(files.clientCert), key: readFileSync(files.clientKey) };
  function call(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    const token = options.token === undefined ? defaultToken : options.token;
    const headers: Record<string, string> = { ...options.headers };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    return new Promise((resolve, reject) => {
      const outgoing = request(`${url}${path}`, { method, headers, ...tls }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const answerHeaders = new Headers(Object.entries(response.headers).map(([name, value]) => [name, String(value)]));
          resolve({ status: response.statusCode ?? 0, headers: answerHeaders, body: text === '' ? undefined : JSON.parse(text) });
        });
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
  return {
    call,
    get: (path, options) => call('GET', path, options),
    post: (path, body, options) => call('POST', path, { ...options, body }),
    put: (path, body, options) => call('PUT', path, { ...options, body }),
    patch: (path, body, options) => call('PATCH', path, { ...options, body }),
    delete: (path, options) => call('DELETE', path, options),
    as: (token) => tlsApiClient(url, files, token),
  };
}
