// DynamoDB faults injected between the service and DynamoDB Local (test/support/fault-proxy.ts):
// throttling, InternalServerError, hangs, resets, and answers lost after the write was applied.
// Resolve answers 503 with Retry-After within the client's budget and 200 again as soon as the
// fault is gone; a user write is entirely in the table or entirely absent, whatever failed.
//
// What a 503 on a write promises (docs/reliability.md): it happened entirely or not at all. The
// SDK's own retries resend a transaction under the same ClientRequestToken, so DynamoDB applies
// it once; a caller's retry is a new request: a create that had landed answers 409 duplicate.
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExumError } from '../../lib/errors.js';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_REQUEST_TIMEOUT_MS } from '../../lib/store/client.js';
import type { Fault } from '../support/fault-proxy.js';
import { lambdaContext, proxyEvent } from '../support/events.js';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { useFaultyService } from '../support/faulty-service.js';
import type { TableItem } from '../support/table-scan.js';
import type { Answer, ApiClient } from '../support/service.js';

const T = '/v1/tenants/contoso';

// The budget of lib/store/client.ts: DEFAULT_MAX_ATTEMPTS attempts of at most
// DEFAULT_REQUEST_TIMEOUT_MS; between attempts the SDK waits at most 50·2^i ms, or 1000·2^i ms
// after throttling. The margin covers two busy cores; without it the bound would be middy's 29 s.
const MARGIN_MS = 1_500;
const HANG_BOUND_MS = DEFAULT_MAX_ATTEMPTS * DEFAULT_REQUEST_TIMEOUT_MS + MARGIN_MS;
const THROTTLING_BOUND_MS = 1_000 + 2_000 + MARGIN_MS;
/** EXUM_HTTP_TIMEOUT of the example gateway (docs/gateways.md): past it the caller hears the gateway's own 503. */
const GATEWAY_QUESTION_TIMEOUT_MS = 2_000;

let gateway: ApiClient;

const context = useFaultyService(async (api) => {
  await createTenant(api, 'contoso');
  await setUpHostedProvider(api, 'contoso');
  await expectCreated(api.post(`${T}/voicemail-policies`, { id: 'tag:Archive', destination: null }));
  await expectCreated(
    api.post(`${T}/users`, {
      sipUri: 'sip:alice@contoso.com',
      lineUri: 'tel:+14255550100',
      enterpriseVoiceEnabled: true,
      hostedVoicemailPolicy: 'ExOnline',
      hostedVoicemail: { admin: true },
    }),
  );
  gateway = api.as((await expectCreated(api.post(`${T}/credentials`, { role: 'gateway', name: 'gw' }))).token);
});
const { api } = context;

async function timed<T>(call: () => Promise<T>): Promise<{ answer: T; ms: number }> {
  const started = performance.now();
  const answer = await call();
  return { answer, ms: performance.now() - started };
}

function expectUnavailable(answer: Answer): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(503);
  expect(answer.headers.get('retry-after')).toBe('1');
  expect(answer.headers.get('content-type')).toBe('application/problem+json');
  expect(answer.body).toMatchObject({ code: 'store-unavailable', status: 503, errors: [] });
}

/** The table keeps the store's invariants (number copies, grant counters); returns its items for more checks. */
async function consistentItems() {
  expect(await context.violations('contoso')).toEqual([]);
  return context.items();
}

/** The items a principal's write touches: its record and its number copies (one, or none). */
function itemsOfPrincipal(items: readonly TableItem[], sipUri: string) {
  const record = items.find((item) => item.pk === `T#contoso#ADDR#${sipUri}` && item.sk === 'PRINCIPAL');
  const copies = items.filter((item) => item.entity === 'number' && item.sipUri === sipUri);
  return { record, copies };
}

/** A tag's grant counter (0 when it has none). */
function grantsOf(items: readonly TableItem[], tag: string): number {
  const counter = items.find((item) => item.pk === 'T#contoso#GRANTS' && item.sk === tag);
  return counter === undefined ? 0 : Number(counter.grants);
}

const resolveAlice = () => gateway.post('/v1/resolve', { target: 'tel:+14255550100' });

describe('resolve under DynamoDB faults', () => {
  beforeAll(async () => {
    await context.restartService();
    // Warms the credential cache (API Gateway's authorizer cache): faults then hit resolve's own reads.
    expect((await resolveAlice()).status).toBe(200);
  });

  const faults: [string, Fault, number][] = [
    // The hang first: its calls then get every attempt the budget allows (later faults drain the SDK's retry quota).
    ['a hang', { kind: 'hang' }, HANG_BOUND_MS],
    ['throttling', { kind: 'throttling' }, THROTTLING_BOUND_MS],
    ['InternalServerError', { kind: 'internal-server-error' }, MARGIN_MS],
    ['a reset connection', { kind: 'reset' }, MARGIN_MS],
  ];

  it.each(faults)(
    'answers 503 with Retry-After under %s on its read, within the bound, then 200 once it is gone',
    async (_name, fault, boundMs) => {
      const before = context.proxy.seen('GetItem').faulted;
      context.proxy.inject('GetItem', fault);
      try {
        // Concurrent calls: none may wait on another's stuck connection.
        const answers = await Promise.all(Array.from({ length: 8 }, () => timed(resolveAlice)));
        for (const { answer, ms } of answers) {
          expectUnavailable(answer);
          expect(ms).toBeLessThan(boundMs);
        }
        expect(context.proxy.seen('GetItem').faulted).toBeGreaterThan(before);
      } finally {
        context.proxy.clear();
      }
      const { answer, ms } = await timed(resolveAlice);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ decision: 'hosted', requestUri: 'sip:alice@contoso.com;opaque=app:voicemail' });
      expect(ms).toBeLessThan(MARGIN_MS);
    },
  );

  it('in AWS, answers 503 under a hang before the gateway gives up (its question times out after 2 s)', async () => {
    // The Lambda entry points as deployed, with their own budget (functions/resolve.ts, functions/authorizer.ts).
    Object.assign(process.env, {
      TABLE_NAME: context.service.store.table.tableName,
      DYNAMODB_ENDPOINT: context.proxy.url,
      CONFIG_CACHE_MS: '0',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    const { handler: resolveFunction } = await import('../../functions/resolve.js');
    const { handler: authorizerFunction } = await import('../../functions/authorizer.js');
    const gatewayActor = { credentialId: 'cred_gw', role: 'gateway' as const, tenantId: 'contoso', providerId: null };
    const resolveEvent = proxyEvent({
      method: 'POST',
      resource: '/v1/resolve',
      path: '/v1/resolve',
      body: { target: 'tel:+14255550100' },
      actor: gatewayActor,
    });
    const authorizerEvent = {
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:us-east-1:0:api/prod/POST/v1/resolve',
      headers: { Authorization: 'Bearer exum_unknown_token_0000000000000001' },
      // eslint-disable-next-line no-restricted-syntax -- the authorizer reads the ARN and the header only
    } as unknown as APIGatewayRequestAuthorizerEvent;
    context.proxy.inject('GetItem', { kind: 'hang' });
    try {
      const resolved = await timed(() => resolveFunction(resolveEvent, lambdaContext));
      expect(resolved.answer.statusCode).toBe(503);
      expect(resolved.answer.headers?.['Retry-After']).toBe('1');
      expect(resolved.ms).toBeLessThan(GATEWAY_QUESTION_TIMEOUT_MS);
      // An authorizer that throws anything but "Unauthorized" is API Gateway's DEFAULT_5XX: 503, never 401.
      const authorized = await timed(() =>
        authorizerFunction(authorizerEvent).then(
          () => 'allowed',
          (error: ExumError) => error.code,
        ),
      );
      expect(authorized.answer).toBe('store-unavailable');
      expect(authorized.ms).toBeLessThan(GATEWAY_QUESTION_TIMEOUT_MS);
    } finally {
      context.proxy.clear();
    }
    expect((await resolveFunction(resolveEvent, lambdaContext)).statusCode).toBe(200);
  });

  it('answers 503, not 401, when a credential cannot be checked', async () => {
    const unchecked = api.as((await expectCreated(api.post(`${T}/credentials`, { role: 'gateway', name: 'gw-unchecked' }))).token);
    context.proxy.inject('GetItem', { kind: 'internal-server-error' });
    try {
      expectUnavailable(await unchecked.post('/v1/resolve', { target: 'tel:+14255550100' }));
    } finally {
      context.proxy.clear();
    }
    expect((await unchecked.post('/v1/resolve', { target: 'tel:+14255550100' })).status).toBe(200);
  });

  it('answers 503 when the configuration cannot be read (throttled Query)', async () => {
    context.proxy.inject('Query', { kind: 'throttling' });
    try {
      const { answer, ms } = await timed(resolveAlice);
      expectUnavailable(answer);
      expect(ms).toBeLessThan(THROTTLING_BOUND_MS);
    } finally {
      context.proxy.clear();
    }
    expect((await resolveAlice()).status).toBe(200);
  });
});

describe('user writes under DynamoDB faults: all or nothing', () => {
  // A client of its own: the faults above drained the SDK's retry quota, and these tests count its retries.
  beforeAll(() => context.restartService());

  const user = (name: string, number: number) => ({
    sipUri: `sip:${name}@contoso.com`,
    lineUri: `tel:+1425555${number}`,
    hostedVoicemailPolicy: 'ExOnline',
  });

  /** Runs a request with a fault on TransactWriteItems; returns its answer and what the fault hit. */
  async function underFault(fault: Fault, request: () => Promise<Answer>, times?: number) {
    const before = context.proxy.seen('TransactWriteItems');
    context.proxy.inject('TransactWriteItems', fault, times === undefined ? {} : { times });
    try {
      const { answer, ms } = await timed(request);
      const after = context.proxy.seen('TransactWriteItems');
      return { answer, ms, sent: after.requests - before.requests, faulted: after.faulted - before.faulted };
    } finally {
      context.proxy.clear();
    }
  }

  it('a create whose transaction is throttled on every attempt answers 503 and writes nothing', async () => {
    const grants = grantsOf(await context.items(), 'ExOnline');
    const { answer, ms, faulted } = await underFault({ kind: 'throttling' }, () => api.post(`${T}/users`, user('throttled', 1001)));
    expectUnavailable(answer);
    expect(ms).toBeLessThan(THROTTLING_BOUND_MS);
    expect(faulted).toBeGreaterThan(0);
    const items = await consistentItems();
    expect(itemsOfPrincipal(items, 'sip:throttled@contoso.com')).toEqual({ record: undefined, copies: [] });
    expect(grantsOf(items, 'ExOnline')).toBe(grants);
    // Nothing landed, so the caller's retry simply creates it.
    expect((await api.post(`${T}/users`, user('throttled', 1001))).status).toBe(201);
    await consistentItems();
  });

  it('a create whose transaction DynamoDB cancels for throttling answers 503 and writes nothing', async () => {
    const { answer, sent, faulted } = await underFault({ kind: 'cancelled-by-throttling' }, () =>
      api.post(`${T}/users`, user('cancelled', 1008)),
    );
    expectUnavailable(answer);
    expect({ sent, faulted }).toEqual({ sent: 1, faulted: 1 });
    expect(itemsOfPrincipal(await consistentItems(), 'sip:cancelled@contoso.com').record).toBeUndefined();
  });

  it('a create that hangs answers 503 within the budget and writes nothing', async () => {
    const { answer, ms } = await underFault({ kind: 'hang' }, () => api.post(`${T}/users`, user('hung', 1002)));
    expectUnavailable(answer);
    expect(ms).toBeLessThan(HANG_BOUND_MS);
    expect(itemsOfPrincipal(await consistentItems(), 'sip:hung@contoso.com').record).toBeUndefined();
  });

  it('a delete that meets InternalServerError answers 503 and leaves the user, its number and its grant', async () => {
    await expectCreated(api.post(`${T}/users`, user('kept', 1003)));
    const before = await context.items();
    const { answer } = await underFault({ kind: 'internal-server-error' }, () => api.delete(`${T}/users/sip:kept@contoso.com`));
    expectUnavailable(answer);
    const after = await consistentItems();
    expect(itemsOfPrincipal(after, 'sip:kept@contoso.com')).toEqual(itemsOfPrincipal(before, 'sip:kept@contoso.com'));
    expect(after.filter((item) => item.entity === 'tombstone' && item.objectId === 'sip:kept@contoso.com')).toEqual([]);
    expect(grantsOf(after, 'ExOnline')).toBe(grantsOf(before, 'ExOnline'));
  });

  it('a create whose answer is lost once is resent under the same token: 201, written once', async () => {
    const grants = grantsOf(await context.items(), 'ExOnline');
    const { answer, sent, faulted } = await underFault({ kind: 'lose-answer' }, () => api.post(`${T}/users`, user('lost-once', 1004)), 1);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect({ sent, faulted }).toEqual({ sent: 2, faulted: 1 });
    const items = await consistentItems();
    expect(itemsOfPrincipal(items, 'sip:lost-once@contoso.com').record).toMatchObject({ version: 1 });
    expect(grantsOf(items, 'ExOnline')).toBe(grants + 1);
  });

  it('a create whose answer is lost on every attempt answers 503 though it landed whole; the retry answers 409', async () => {
    const grants = grantsOf(await context.items(), 'ExOnline');
    const { answer } = await underFault({ kind: 'lose-answer' }, () => api.post(`${T}/users`, user('lost', 1005)));
    expectUnavailable(answer);
    const landed = await consistentItems();
    const written = itemsOfPrincipal(landed, 'sip:lost@contoso.com');
    expect(written.record).toMatchObject({ version: 1, lineUri: 'tel:+14255551005' });
    expect(written.copies).toHaveLength(1);
    expect(grantsOf(landed, 'ExOnline')).toBe(grants + 1);

    const retried = await api.post(`${T}/users`, user('lost', 1005));
    expect(retried.status).toBe(409);
    expect(retried.body).toMatchObject({ code: 'duplicate', errors: [{ field: 'sipUri' }] });
    expect(await consistentItems()).toEqual(landed);
  });

  it('an update answered late (after the timeout) is resent under the same token: number and grant moved once', async () => {
    await expectCreated(api.post(`${T}/users`, user('mover', 1006)));
    const before = await context.items();
    const patch = { lineUri: 'tel:+14255552006', hostedVoicemailPolicy: 'Archive' };
    const { answer, faulted } = await underFault(
      { kind: 'delay-answer', delayMs: DEFAULT_REQUEST_TIMEOUT_MS + 500 },
      () => api.patch(`${T}/users/sip:mover@contoso.com`, patch),
      1,
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(faulted).toBe(1);
    const after = await consistentItems();
    const moved = itemsOfPrincipal(after, 'sip:mover@contoso.com');
    expect(moved.record).toMatchObject({ version: 2, ...patch });
    expect(moved.copies.map((copy) => copy.pk)).toEqual(['T#contoso#NUM#tel:+14255552006']);
    expect(grantsOf(after, 'ExOnline')).toBe(grantsOf(before, 'ExOnline') - 1);
    expect(grantsOf(after, 'Archive')).toBe(grantsOf(before, 'Archive') + 1);
  });

  it('an update whose answer is lost on every attempt answers 503, landed whole; sending it again is harmless', async () => {
    await expectCreated(api.post(`${T}/users`, user('mover2', 1007)));
    const patch = { lineUri: 'tel:+14255552007', hostedVoicemailPolicy: 'Archive' };
    const { answer } = await underFault({ kind: 'lose-answer' }, () => api.patch(`${T}/users/sip:mover2@contoso.com`, patch));
    expectUnavailable(answer);
    const landed = itemsOfPrincipal(await consistentItems(), 'sip:mover2@contoso.com');
    expect(landed.record).toMatchObject({ version: 2, ...patch });
    expect(landed.copies.map((copy) => copy.pk)).toEqual(['T#contoso#NUM#tel:+14255552007']);

    const retried = await api.patch(`${T}/users/sip:mover2@contoso.com`, patch);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject(patch);
    await consistentItems();
  });

  it('a batch whose transaction DynamoDB cancels for throttling answers 503 at once, writing nothing', async () => {
    const rows = Array.from({ length: 5 }, (_, index) => user(`throttled-batch${index}`, 4000 + index));
    const { answer, ms, sent } = await underFault({ kind: 'cancelled-by-throttling' }, () => api.post(`${T}/users/batch`, { users: rows }));
    expectUnavailable(answer);
    // Not resent in a loop against a throttled table (nor answered as rows that "kept changing").
    expect(sent).toBe(1);
    expect(ms).toBeLessThan(MARGIN_MS);
    const items = await consistentItems();
    expect(rows.filter((row) => itemsOfPrincipal(items, row.sipUri).record !== undefined)).toEqual([]);
  });

  it('a batch whose answers are lost answers 503 with whole rows only; sending it again completes it', async () => {
    // 60 users with numbers: more than one transaction of 100 items.
    const rows = Array.from({ length: 60 }, (_, index) => user(`batch${index}`, 3000 + index));
    const { answer, faulted } = await underFault({ kind: 'lose-answer' }, () => api.post(`${T}/users/batch`, { users: rows }));
    expectUnavailable(answer);
    expect(faulted).toBeGreaterThan(0);
    const landed = await consistentItems();
    const written = rows.filter((row) => itemsOfPrincipal(landed, row.sipUri).record !== undefined);
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(rows.length);

    const retried = await api.post(`${T}/users/batch`, { users: rows });
    expect(retried.status).toBe(200);
    expect(retried.body.counts).toEqual({ created: rows.length - written.length, updated: 0, unchanged: written.length, failed: 0 });
    const items = await consistentItems();
    expect(rows.every((row) => itemsOfPrincipal(items, row.sipUri).copies.length === 1)).toBe(true);
  });
});
