// DynamoDB faults injected under the handler (aws-sdk-client-mock): the caller gets a clean
// 503 with Retry-After or a generic 500, never the SDK's error.
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient, GetItemCommand, QueryCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../lib/api/api-handler.js';
import { functionRoutes } from '../../lib/api/api-routes.js';
import { createApiDeps } from '../../functions/wiring/deps.js';
import { resolveRoutes } from '../../lib/api/resolve-routes.js';
import { ExumStore } from '../../lib/store/exum-store.js';
import { lambdaContext, operator, proxyEvent } from '../support/events.js';

// One attempt: the SDK's own retries are not what these tests are about.
const client = new DynamoDBClient({ region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const dynamo = mockClient(client);
const handler = createApiHandler(
  functionRoutes.management,
  createApiDeps(new ExumStore(client, 'faults')),
  new Logger({ logLevel: 'SILENT' }),
);
afterEach(() => dynamo.reset());

const sdkError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

const meta = { version: 1, createdAt: 'x', updatedAt: 'x', modifiedBy: { credentialId: 'c', role: 'operator' } };
const configItems = [
  marshall({
    pk: 'T#contoso#CONFIG',
    sk: 'TENANT',
    entity: 'tenant',
    id: 'contoso',
    name: 'C',
    domains: ['contoso.com'],
    configVersion: 0,
    ...meta,
  }),
  marshall({
    pk: 'T#contoso#CONFIG',
    sk: 'EDGE',
    entity: 'edge',
    routingMode: 'dns-srv',
    allowFederatedUsers: false,
    nextHop: null,
    ...meta,
  }),
  marshall({
    pk: 'T#contoso#CONFIG',
    sk: 'POLICY#global',
    entity: 'policy',
    id: 'global',
    destination: null,
    organizations: [],
    description: '',
    ...meta,
  }),
];

const getTenant = () =>
  handler(
    proxyEvent({
      method: 'GET',
      resource: '/v1/tenants/{tenant}',
      path: '/v1/tenants/contoso',
      pathParameters: { tenant: 'contoso' },
      actor: operator,
    }),
    lambdaContext,
  );

describe('store faults', () => {
  it.each(['ThrottlingException', 'ProvisionedThroughputExceededException', 'InternalServerError', 'TimeoutError'])(
    '%s becomes 503 with Retry-After',
    async (name) => {
      dynamo.on(GetItemCommand).rejects(sdkError(name, `secret detail of ${name}`));
      const answer = await getTenant();
      expect(answer.statusCode).toBe(503);
      expect(answer.headers?.['Retry-After']).toBe('1');
      expect(answer.headers?.['Content-Type']).toBe('application/problem+json');
      expect(answer.body).not.toContain('secret detail');
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'store-unavailable', errors: [] });
    },
  );

  it('a connection refused becomes 503', async () => {
    dynamo.on(GetItemCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }));
    expect((await getTenant()).statusCode).toBe(503);
  });

  it('an unexpected SDK error becomes a generic 500', async () => {
    dynamo.on(GetItemCommand).rejects(sdkError('ValidationException', 'One or more parameter values were invalid: secret'));
    const answer = await getTenant();
    expect(answer.statusCode).toBe(500);
    expect(answer.body).not.toContain('parameter values');
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'internal', detail: 'Internal error' });
  });

  it('a corrupt item read back is an internal error, not a crash or a leak', async () => {
    dynamo.on(GetItemCommand).resolves({ Item: { pk: { S: 'T#contoso#CONFIG' }, sk: { S: 'TENANT' }, id: { N: '7' } } });
    const answer = await getTenant();
    expect(answer.statusCode).toBe(500);
    expect(answer.body).not.toContain('T#contoso');
  });

  it('a write whose transaction is throttled answers 503 (the transaction is all or nothing)', async () => {
    dynamo.on(QueryCommand).resolves({ Items: configItems });
    dynamo.on(TransactWriteItemsCommand).rejects(sdkError('ThrottlingException', 'slow down'));
    const answer = await handler(
      proxyEvent({
        method: 'PUT',
        resource: '/v1/tenants/{tenant}/edge',
        path: '/v1/tenants/contoso/edge',
        pathParameters: { tenant: 'contoso' },
        body: { routingMode: 'dns-srv', allowFederatedUsers: true },
        actor: operator,
      }),
      lambdaContext,
    );
    expect(answer.statusCode).toBe(503);
    expect(dynamo.commandCalls(TransactWriteItemsCommand)).toHaveLength(1);
  });
});

describe('store faults on the hot path', () => {
  const resolveHandler = createApiHandler(
    resolveRoutes,
    createApiDeps(new ExumStore(client, 'faults'), { configCacheMs: 0 }),
    new Logger({ logLevel: 'SILENT' }),
  );
  const gateway = { credentialId: 'cred_gw', role: 'gateway' as const, tenantId: 'contoso', providerId: null };
  const resolve = () =>
    resolveHandler(
      proxyEvent({
        method: 'POST',
        resource: '/v1/resolve',
        path: '/v1/resolve',
        body: { target: 'sip:alice@contoso.com' },
        actor: gateway,
      }),
      lambdaContext,
    );

  it('answers 503 with Retry-After when the user cannot be read', async () => {
    dynamo.on(QueryCommand).resolves({ Items: configItems });
    dynamo.on(GetItemCommand).rejects(sdkError('ThrottlingException', 'slow down'));
    const answer = await resolve();
    expect(answer.statusCode).toBe(503);
    expect(answer.headers?.['Retry-After']).toBe('1');
    expect(answer.body).not.toContain('slow down');
  });

  it('answers 503 when the configuration cannot be loaded', async () => {
    dynamo.on(QueryCommand).rejects(sdkError('TimeoutError', 'socket timed out'));
    expect((await resolve()).statusCode).toBe(503);
  });

  it('still answers a decision when DynamoDB is healthy', async () => {
    dynamo.on(QueryCommand).resolves({ Items: configItems });
    dynamo.on(GetItemCommand).resolves({});
    const answer = await resolve();
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ decision: 'reject', diagnostic: { code: 15010 } });
  });
});
