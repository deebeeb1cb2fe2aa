// One attempt at delivering a provider event: a POST to its endpoint, signed with the Standard
// Webhooks scheme (webhook-id, webhook-timestamp, webhook-signature), bounded by a timeout, and
// classified: delivered, retryable (timeouts, network errors, 408, 429, 5xx) or permanent (any
// other status, and an endpoint the rules refuse: endpoint-guard.ts). Redirects are never followed
// (a 3xx is permanent). Retrying is deliver-or-dead-letter.ts's business.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { STRICT_ENDPOINT_POLICY, type EndpointPolicy } from '../domain/endpoint-rules.js';
import { DELIVERY_TIMEOUT_MS } from './delivery-bounds.js';
import { checkEndpoint, systemResolver, type ResolvedAddress, type Resolver } from './endpoint-guard.js';
import type { ProviderEvent } from './event-schemas.js';
import type { Endpoint } from './provider-endpoints.js';

export type PostOutcome =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'retryable'; status: number | null; error: string }
  /** status null: nothing was sent, the endpoint itself is refused (its error says which rule or address). */
  | { outcome: 'permanent'; status: number | null; error: string };

export interface PostOptions {
  timeoutMs?: number;
  now?: () => Date;
  /** What the endpoint may be (default: the strict rules, as in AWS). */
  policy?: EndpointPolicy;
  /** How names are resolved (default: the system's resolver). */
  resolve?: Resolver;
}

export function signedHeaders(event: ProviderEvent, body: string, secret: string, at: Date): Record<string, string> {
  const signature = new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' }).sign(event.id, at, body);
  return {
    'content-type': 'application/json',
    'webhook-id': event.id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
    'user-agent': 'exum-router/1',
  };
}

/**
 * Keep-alive agents, one pair per policy: a pooled connection was made to an address checked under
 * the same policy as the delivery that reuses it.
 */
const agentsByPolicy = new WeakMap<EndpointPolicy, { http: http.Agent; https: https.Agent }>();
function agentsFor(policy: EndpointPolicy) {
  let agents = agentsByPolicy.get(policy);
  if (agents === undefined) {
    agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
    agentsByPolicy.set(policy, agents);
  }
  return agents;
}

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** The lookup a connection makes, answered with the addresses that were checked: it never asks DNS again. */
const pinnedLookup =
  (addresses: readonly ResolvedAddress[]): LookupFunction =>
  (_hostname, options, callback) => {
    if (options.all === true)
      callback(
        null,
        addresses.map(({ address, family }) => ({ address, family })),
      );
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };

/**
 * POSTs to the checked addresses; the Host header and TLS's server name stay the URL's name.
 * Answers the status once the answer's body is drained (its content does not matter).
 */
function post(
  url: URL,
  addresses: readonly ResolvedAddress[],
  headers: Record<string, string>,
  body: string,
  policy: EndpointPolicy,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        ...(url.port === '' ? {} : { port: Number(url.port) }),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: secure ? agentsFor(policy).https : agentsFor(policy).http,
        lookup: pinnedLookup(addresses),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        const done = () => {
          clearTimeout(timer);
          resolve(status);
        };
        response.on('end', done).on('error', done).on('close', done);
        response.resume();
      },
    );
    const timer = setTimeout(() => request.destroy(new TimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}

export async function postSignedEvent(endpoint: Endpoint, event: ProviderEvent, options: PostOptions = {}): Promise<PostOutcome> {
  const body = JSON.stringify(event);
  const headers = signedHeaders(event, body, endpoint.secret, (options.now ?? (() => new Date()))());
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const policy = options.policy ?? STRICT_ENDPOINT_POLICY;
  if (!URL.canParse(endpoint.url)) return { outcome: 'permanent', status: null, error: 'endpoint not allowed (url): not a URL' };
  const url = new URL(endpoint.url);
  const deadline = Date.now() + timeoutMs;
  let status: number;
  let timer: NodeJS.Timeout | undefined;
  try {
    // The name's resolution counts against the same timeout as the request.
    const check = await Promise.race([
      checkEndpoint(url, policy, options.resolve ?? systemResolver),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    if (!check.allowed) return { outcome: 'permanent', status: null, error: check.reason };
    status = await post(url, check.addresses, headers, body, policy, Math.max(1, deadline - Date.now()));
  } catch (error) {
    const name = (error as Error).name;
    return {
      outcome: 'retryable',
      status: null,
      error: name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${name}: ${(error as Error).message}`,
    };
  }
  if (status >= 200 && status < 300) return { outcome: 'delivered', status };
  if (status === 429 || status === 408 || status >= 500) return { outcome: 'retryable', status, error: `HTTP ${status}` };
  return { outcome: 'permanent', status, error: `HTTP ${status}` };
}
