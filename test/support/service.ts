// A local service per test file: its own table in the shared DynamoDB Local, an HTTP server on
// an ephemeral port, and a small client that speaks to it as a gateway or an admin would.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { startLocalService, type LocalService } from '../../local/local-service.js';
import { createDynamoClient } from '../../lib/store/client.js';
import { scanTable } from './table-scan.js';
import type { ParsedJson } from './json.js';

export const OPERATOR_TOKEN = 'exum_test_operator_token_000000000001';

export interface TestService extends LocalService {
  tableName: string;
  /** The DynamoDB Local this service's table lives in. */
  dynamoEndpoint: string;
  /** Every item of the table (or those `keep` accepts), sorted, for before/after comparisons. */
  snapshot: (keep?: (item: Record<string, unknown>) => boolean) => Promise<string>;
}

/** Caches off unless a test asks for them: most tests want every write visible at once. */
export interface TestServiceOptions {
  configCacheMs?: number;
  credentialCacheMs?: number;
  /** Off unless asked for: its asynchronous writes would disturb before/after table comparisons. */
  streamProcessor?: boolean;
  delivery?: { timeoutMs?: number; backoffMs?: number[] };
  /** Provider event endpoints on this machine (test/support/provider-server.ts): off unless a test asks. */
  allowLoopbackProviders?: boolean;
  /**
   * The store's per-attempt timeout. Wide by default: these tests are about behaviour, and a busy or
   * slow machine can keep DynamoDB Local past the service's 2 s (a 503 the test did not ask for).
   */
  storeRequestTimeoutMs?: number;
}

/**
 * Each test file's service gets a DynamoDB Local of its own: DynamoDB Local slows every write to
 * a stream-enabled table by the number of such tables written before it (the fifth is ten times
 * slower than the first), so files sharing one would run slower and slower as the suite goes.
 */
/**
 * How long a test gives DynamoDB Local per request: long enough for a machine several times
 * slower than ours, so only an outage the test causes on purpose ends in a timeout.
 */
export const TEST_STORE_TIMEOUT_MS = 15_000;

/** A DynamoDB client for a test's own reads and checks of the table, with the test's timeout. */
export const testDynamoClient = (endpoint: string) => createDynamoClient({ endpoint, requestTimeoutMs: TEST_STORE_TIMEOUT_MS });

export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const tableName = `test-${randomBytes(6).toString('hex')}`;
  const dynamo = await startDynamoDbLocal();
  const endpoint = dynamo.endpoint;
  const service = await startLocalService({
    port: 0,
    tableName,
    operatorToken: OPERATOR_TOKEN,
    dynamoEndpoint: endpoint,
    logLevel: 'SILENT',
    configCacheMs: options.configCacheMs ?? 0,
    credentialCacheMs: options.credentialCacheMs ?? 0,
    streamProcessor: options.streamProcessor ?? false,
    storeRequestTimeoutMs: options.storeRequestTimeoutMs ?? TEST_STORE_TIMEOUT_MS,
    ...(options.delivery === undefined ? {} : { delivery: options.delivery }),
    ...(options.allowLoopbackProviders === undefined ? {} : { allowLoopbackProviders: options.allowLoopbackProviders }),
  });
  const client = testDynamoClient(endpoint);
  return {
    ...service,
    tableName,
    dynamoEndpoint: endpoint,
    snapshot: async (keep = () => true) => {
      const items = await scanTable(client, tableName);
      return JSON.stringify(
        items
          .filter(keep)
          .map((item) => JSON.stringify(item, Object.keys(item).sort()))
          .sort(),
      );
    },
    stop: async () => {
      client.destroy();
      await service.stop();
      await dynamo.stop();
    },
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: ParsedJson;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A client bound to one service and one default credential. */
export function apiClient(service: { url: string }, defaultToken: string | null = OPERATOR_TOKEN) {
  async function call(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    const token = options.token === undefined ? defaultToken : options.token;
    const headers: Record<string, string> = { ...options.headers };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${service.url}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
  }
  return {
    call,
    get: (path: string, options?: RequestOptions) => call('GET', path, options),
    post: (path: string, body: unknown, options?: RequestOptions) => call('POST', path, { ...options, body }),
    put: (path: string, body: unknown, options?: RequestOptions) => call('PUT', path, { ...options, body }),
    patch: (path: string, body: unknown, options?: RequestOptions) => call('PATCH', path, { ...options, body }),
    delete: (path: string, options?: RequestOptions) => call('DELETE', path, options),
    as: (token: string | null) => apiClient(service, token),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

/** Creates a tenant and one credential per role; returns their tokens. */
export async function createTenantWithCredentials(api: ApiClient, id: string, domains: string[]) {
  const created = await api.post('/v1/tenants', { id, name: `${id} Ltd`, domains });
  if (created.status !== 201) throw new Error(`tenant ${id}: ${created.status} ${JSON.stringify(created.body)}`);
  const tokens: Record<string, string> = {};
  for (const role of ['server-admin', 'user-admin', 'reader', 'gateway'] as const) {
    const credential = await api.post(`/v1/tenants/${id}/credentials`, { role, name: `${role} of ${id}` });
    if (credential.status !== 201) throw new Error(`credential ${role}: ${credential.status} ${JSON.stringify(credential.body)}`);
    tokens[role] = credential.body.token;
  }
  return tokens as Record<'server-admin' | 'user-admin' | 'reader' | 'gateway', string>;
}

/**
 * A service for the whole test file: started before its tests (then `setUp` runs with an
 * operator client), stopped after. `api` may be used at once: it reads the URL per call.
 */
export function useTestService(setUp?: (api: ApiClient) => Promise<void>, options: TestServiceOptions = {}) {
  let service: TestService | undefined;
  const started = () => {
    if (service === undefined) throw new Error('the test service is not started yet');
    return service;
  };
  const api = apiClient({
    get url() {
      return started().url;
    },
  });
  beforeAll(async () => {
    service = await startTestService(options);
    await setUp?.(api);
  });
  afterAll(() => service?.stop());
  return {
    api,
    get service() {
      return started();
    },
  };
}
