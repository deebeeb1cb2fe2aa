// exumctl's HTTP client for the exum-router API: bearer credential, HTTPS with a private CA and
// client certificates (mutual TLS), keep-alive, timeouts. Error answers become CliErrors that
// carry the problem (RFC 9457) and the exit code a script can rely on.
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Problem } from '../lib/api/problem.js';
import { CliError, EXIT, exitCodeOfStatus, usageError } from './exit-codes.js';
import type { Settings } from './settings.js';

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  /** From the ETag: the version of the item answered. */
  version: number | undefined;
  headers: IncomingMessage['headers'];
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** The version read, sent as If-Match so a concurrent change is not overwritten. */
  ifMatch?: number;
  /**
   * Sent as Idempotency-Key on a POST that creates: the request is then sent again, under the same
   * key, when its answer was lost (no connection, a timeout) or the service asked to retry (503, or
   * 409 request-in-progress), up to RETRIES times; the service carries it out once.
   */
  idempotencyKey?: string;
}

/** Times a request with an Idempotency-Key is sent again, and the wait before each (or the service's Retry-After). */
const RETRIES = 3;
const RETRY_WAIT_MS = 1000;

/** Whether a failed request with an Idempotency-Key may be sent again: nothing was answered, or the service asked. */
const worthRetrying = (error: unknown): boolean =>
  error instanceof CliError &&
  (error.problem === undefined
    ? // The request may have reached the service (a refused connection or a TLS failure did not).
      error.exitCode === EXIT.unavailable && /no answer within|ECONNRESET|socket hang up/.test(error.message)
    : error.problem.status === 503 || error.problem.code === 'request-in-progress');

const readPem = (path: string, what: string) => {
  try {
    return readFileSync(path);
  } catch (error) {
    throw usageError(`cannot read the ${what} ${path}: ${(error as Error).message}`);
  }
};

export class ApiClient {
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly base: URL;

  constructor(private readonly settings: Pick<Settings, 'server' | 'token' | 'ca' | 'cert' | 'key' | 'timeoutMs'>) {
    this.base = new URL(settings.server);
    const https = this.base.protocol === 'https:';
    if ((settings.cert === undefined) !== (settings.key === undefined))
      throw usageError('a client certificate needs its key: give both --cert and --key');
    this.agent = https
      ? new HttpsAgent({
          keepAlive: true,
          ...(settings.ca === undefined ? {} : { ca: readPem(settings.ca, 'CA file') }),
          ...(settings.cert === undefined
            ? {}
            : { cert: readPem(settings.cert, 'client certificate'), key: readPem(settings.key!, 'client key') }),
        })
      : new HttpAgent({ keepAlive: true });
  }

  get server(): string {
    return this.settings.server;
  }

  get = <T = unknown>(path: string, options: RequestOptions = {}) => this.request<T>('GET', path, options);
  post = <T = unknown>(path: string, body?: unknown, options: RequestOptions = {}) => this.request<T>('POST', path, { ...options, body });
  put = <T = unknown>(path: string, body: unknown, options: RequestOptions = {}) => this.request<T>('PUT', path, { ...options, body });
  patch = <T = unknown>(path: string, body: unknown, options: RequestOptions = {}) => this.request<T>('PATCH', path, { ...options, body });
  delete = <T = unknown>(path: string, options: RequestOptions = {}) => this.request<T>('DELETE', path, options);

  /** Every item of a paged listing, following nextCursor. */
  async list<T = unknown>(path: string, query: RequestOptions['query'] = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.get<{ items: T[]; nextCursor: string | null }>(path, { query: { limit: 500, ...query, cursor } });
      items.push(...page.body.items);
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return items;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiAnswer<T>> {
    if (options.idempotencyKey === undefined) return this.requestOnce<T>(method, path, options);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce<T>(method, path, options);
      } catch (error) {
        if (attempt >= RETRIES || !worthRetrying(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_WAIT_MS * (attempt + 1)));
      }
    }
  }

  private async requestOnce<T>(method: string, path: string, options: RequestOptions): Promise<ApiAnswer<T>> {
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (this.settings.token !== undefined) headers.authorization = `Bearer ${this.settings.token}`;
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;

    const { status, text, responseHeaders } = await this.send(method, url, headers, payload);
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new CliError(
        `${method} ${url.pathname}: the service answered ${status} with a body that is not JSON`,
        status >= 400 ? exitCodeOfStatus(status) : EXIT.failed,
      );
    }
    if (status >= 400) throw problemError(method, url, status, body);
    const etag = /"(\d+)"/.exec(String(responseHeaders.etag ?? ''));
    return { status, body: body as T, version: etag === null ? undefined : Number(etag[1]), headers: responseHeaders };
  }

  private send(method: string, url: URL, headers: Record<string, string>, payload: string | undefined) {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<{ status: number; text: string; responseHeaders: IncomingMessage['headers'] }>((resolve, reject) => {
      const req = request(url, { method, headers, agent: this.agent, timeout: this.settings.timeoutMs }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), responseHeaders: response.headers }),
        );
        response.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', (error) => reject(unreachable(error, this.settings)));
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * What a failed connection means for the person at the keyboard. TLS alerts come from the server
 * (it refused our side of the handshake) and are told apart from our refusing its certificate:
 * TLS 1.3 servers send "certificate required" when a client certificate is missing, TLS 1.2
 * servers a plain "handshake failure"; a certificate the server does not trust draws "unknown ca",
 * "bad certificate" or a closed connection.
 */
function unreachable(error: NodeJS.ErrnoException, settings: Pick<Settings, 'server' | 'timeoutMs' | 'cert'>): CliError {
  return new CliError(`cannot reach ${settings.server}: ${connectionHint(error, settings)}`, EXIT.unavailable);
}

function connectionHint(error: NodeJS.ErrnoException, settings: Pick<Settings, 'timeoutMs' | 'cert'>): string {
  const code = error.code ?? '';
  const message = error.message.trim();
  const gaveCertificate = settings.cert !== undefined;
  const alert = /alert ([a-z ]+?)(?::|$)/i.exec(message)?.[1]?.toLowerCase();
  if (code === 'ECONNREFUSED') return 'connection refused: is the service running? (npm start)';
  if (code === 'ETIMEDOUT') return `no answer within ${settings.timeoutMs / 1000} s`;
  if (code === 'ENOTFOUND') return 'the host name does not resolve';
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' || alert === 'certificate required')
    return 'the server requires a client certificate (mutual TLS): give it with --cert and --key';
  if (alert === 'handshake failure' && !gaveCertificate)
    return 'the server refused the TLS handshake (handshake failure): it most likely requires a client certificate, give it with --cert and --key';
  if (alert !== undefined && /certificate|unknown ca|decrypt/.test(alert))
    return `the server did not accept the client certificate (${alert}): is it signed by the CA the server trusts?`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return `the server certificate is not trusted (${code}): give its CA with --ca`;
  if (/EPROTO|ECONNRESET/.test(code))
    return `${message} (${gaveCertificate ? 'if the server requires mutual TLS, is the client certificate signed by the CA it trusts?' : 'if the server requires a client certificate, give --cert and --key'})`;
  return message;
}

function problemError(method: string, url: URL, status: number, body: unknown): CliError {
  const problem = body as Partial<Problem> | undefined;
  const detail = problem?.detail ?? problem?.title ?? `HTTP ${status}`;
  const retry = status === 503 ? ' (the service asks to retry later)' : '';
  return new CliError(
    `${method} ${decodeURIComponent(url.pathname)}: ${detail}${retry}`,
    exitCodeOfStatus(status),
    problem?.errors === undefined ? undefined : (problem as Problem),
  );
}
