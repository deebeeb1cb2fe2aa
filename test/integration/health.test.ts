// GET /healthz and GET /readyz, through HTTP against the local service, with DynamoDB Local behind
// the fault-injecting proxy: both answer with no credential and whatever credential is sent; /readyz
// answers 503 while the table cannot answer a read (and within the store's request timeout when it
// hangs), /healthz 200 all along, and /readyz 200 again once the fault is gone. The answers say
// nothing but ok, ready or the generic 503 problem. Then the AWS entry point (functions/health.ts)
// under a hang, within the time a DNS health check waits.
import { describe, expect, it } from 'vitest';
import { publicRoutes } from '../../lib/api/api-routes.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../lib/store/client.js';
import { proxyEvent } from '../support/events.js';
import type { Fault } from '../support/fault-proxy.js';
import { useFaultyService } from '../support/faulty-service.js';
import { OPERATOR_TOKEN, type Answer } from '../support/service.js';

/** Busy cores' share of a bound: the answer's own work is a few milliseconds. */
const MARGIN_MS = 1_500;
/** How long a Route 53 health check waits for an answer once connected. */
const DNS_HEALTH_CHECK_WAIT_MS = 2_000;

const context = useFaultyService(async () => undefined);
const anonymous = context.api.as(null);

/** Credentials a health checker might send: none of them is looked at. */
const credentials: [string, Record<string, string>][] = [
  ['no credential', {}],
  ['a valid operator token', { authorization: `Bearer ${OPERATOR_TOKEN}` }],
  ['an unknown token', { authorization: 'Bearer exum_unknown_token_0000000000000001' }],
  ['a malformed header', { authorization: 'not a credential' }],
  ['basic authentication', { authorization: 'Basic aGVhbHRoOmNoZWNr' }],
];

async function timed<T>(call: () => Promise<T>): Promise<{ answer: T; ms: number }> {
  const started = performance.now();
  const answer = await call();
  return { answer, ms: performance.now() - started };
}

/** Polls until `condition` holds (no fixed sleeps: a slow machine only takes longer). */
async function eventually(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function expectOk(answer: Answer, status: 'ok' | 'ready'): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.headers.get('content-type')).toBe('application/json');
  expect(answer.headers.get('cache-control')).toBe('no-store');
  // Exactly this and nothing more: no version, no table, no timing.
  expect(answer.body).toEqual({ status });
}

/** The problem every route answers when the store is down: generic, with Retry-After, and nothing of the cause. */
function expectNotReady(answer: Answer): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(503);
  expect(answer.headers.get('retry-after')).toBe('1');
  expect(answer.headers.get('content-type')).toBe('application/problem+json');
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(answer.body).toEqual({
    type: 'https://exum-router.dev/problems/store-unavailable',
    title: 'Temporarily unavailable',
    status: 503,
    detail: 'Temporarily unavailable',
    code: 'store-unavailable',
    errors: [],
    instance: '/readyz',
  });
  expect(JSON.stringify(answer.body)).not.toContain(context.service.store.table.tableName);
}

describe('health checks of a service whose store answers', () => {
  it('are the public routes, and only they', () => {
    expect(publicRoutes.map((route) => `${route.method} ${route.path}`)).toEqual(['GET /healthz', 'GET /readyz']);
  });

  it.each(credentials)('answer 200 to a GET with %s', async (_name, headers) => {
    expectOk(await anonymous.get('/healthz', { headers }), 'ok');
    expectOk(await anonymous.get('/readyz', { headers }), 'ready');
  });

  it('answer HEAD as GET, without the body', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const answer = await anonymous.call('HEAD', path);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('content-type')).toBe('application/json');
      expect(answer.body).toBeUndefined();
    }
  });

  it('read the table once per readiness check, and not at all for liveness', async () => {
    const before = context.proxy.seen('GetItem').requests;
    await anonymous.get('/healthz');
    expect(context.proxy.seen('GetItem').requests).toBe(before);
    await anonymous.get('/readyz');
    expect(context.proxy.seen('GetItem').requests).toBe(before + 1);
  });
});

describe('readiness while the store cannot answer', () => {
  const faults: [string, Fault, number][] = [
    // A hang costs the store's request timeout, once: not the client's three attempts.
    ['hangs', { kind: 'hang' }, DEFAULT_REQUEST_TIMEOUT_MS + MARGIN_MS],
    ['resets every connection', { kind: 'reset' }, MARGIN_MS],
    ['throttles', { kind: 'throttling' }, DEFAULT_REQUEST_TIMEOUT_MS + MARGIN_MS],
    ['fails (InternalServerError)', { kind: 'internal-server-error' }, DEFAULT_REQUEST_TIMEOUT_MS + MARGIN_MS],
  ];

  it.each(faults)(
    'answers 503 when DynamoDB %s, within its bound, liveness 200 all along, then ready again',
    async (_name, fault, boundMs) => {
      context.proxy.inject('GetItem', fault);
      try {
        for (const [, headers] of credentials) {
          const { answer, ms } = await timed(() => anonymous.get('/readyz', { headers }));
          expectNotReady(answer);
          expect(ms).toBeLessThan(boundMs);
          expectOk(await anonymous.get('/healthz', { headers }), 'ok');
        }
      } finally {
        context.proxy.clear();
      }
      await eventually(async () => (await anonymous.get('/readyz')).status === 200, '/readyz answers 200 again');
      expectOk(await anonymous.get('/readyz'), 'ready');
    },
  );
});

describe('the health function, as deployed', () => {
  it('answers /readyz 503 under a hang before a DNS health check gives up, and 200 once it is gone', async () => {
    // Its own budget (functions/health.ts), as the Lambda runs it: the environment is read at import.
    Object.assign(process.env, {
      TABLE_NAME: context.service.store.table.tableName,
      DYNAMODB_ENDPOINT: context.proxy.url,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    const { handler } = await import('../../functions/health.js');
    // No authorizer before these methods: the event carries no caller.
    const event = (path: string) => proxyEvent({ method: 'GET', resource: path, path, actor: null });
    expect((await handler(event('/readyz'))).statusCode).toBe(200);
    context.proxy.inject('GetItem', { kind: 'hang' });
    try {
      const { answer, ms } = await timed(() => handler(event('/readyz')));
      expect(answer.statusCode).toBe(503);
      expect(answer.headers).toMatchObject({ 'Retry-After': '1', 'Cache-Control': 'no-store' });
      expect(ms).toBeLessThan(DNS_HEALTH_CHECK_WAIT_MS);
      expect((await handler(event('/healthz'))).statusCode).toBe(200);
    } finally {
      context.proxy.clear();
    }
    await eventually(async () => (await handler(event('/readyz'))).statusCode === 200, 'the function answers ready again');
  });
});
