// A local service whose DynamoDB Local sits behind the fault-injecting proxy
// (test/support/fault-proxy.ts): one DynamoDB Local and one proxy per test file. `items()` and
// `violations()` read DynamoDB Local directly, so they see the table as it is whatever faults are on.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { startLocalService, type LocalService } from '../../local/local-service.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { apiClient, OPERATOR_TOKEN, type ApiClient, testDynamoClient } from './service.js';
import { storeViolations } from './store-invariants.js';
import { scanTable, type TableItem } from './table-scan.js';

export interface FaultyService {
  service: LocalService;
  proxy: FaultProxy;
  /** Every item of the service's table, read past the proxy. */
  items: () => Promise<TableItem[]>;
  /** What breaks the store's invariants for a tenant (test/support/store-invariants.ts), read past the proxy. */
  violations: (tenantId: string) => Promise<string[]>;
  /**
   * Replaces the service by a new one on the same table, as a new Lambda instance would be: a new
   * SDK client, whose retry quota (which a burst of faults drains) is full again.
   */
  restartService: () => Promise<void>;
  stop: () => Promise<void>;
}

export interface FaultyServiceOptions {
  streamProcessor?: boolean;
  delivery?: { timeoutMs?: number; backoffMs?: number[] };
  /** Provider event endpoints on this machine (test/support/provider-server.ts). */
  allowLoopbackProviders?: boolean;
}

export async function startFaultyService(options: FaultyServiceOptions = {}): Promise<FaultyService> {
  const tableName = `faults-${randomBytes(6).toString('hex')}`;
  const dynamo = await startDynamoDbLocal();
  const proxy = await startFaultProxy(dynamo.endpoint);
  const direct = testDynamoClient(dynamo.endpoint);
  const startService = () =>
    startLocalService({
      port: 0,
      tableName,
      operatorToken: OPERATOR_TOKEN,
      dynamoEndpoint: proxy.url,
      logLevel: 'SILENT',
      configCacheMs: 0,
      // As API Gateway caches authorizer results: a request under a fault then fails on its own reads.
      credentialCacheMs: 30_000,
      streamProcessor: options.streamProcessor ?? false,
      ...(options.delivery === undefined ? {} : { delivery: options.delivery }),
      ...(options.allowLoopbackProviders === undefined ? {} : { allowLoopbackProviders: options.allowLoopbackProviders }),
    });
  try {
    const running: FaultyService = {
      service: await startService(),
      proxy,
      items: () => scanTable(direct, tableName),
      violations: (tenantId) => storeViolations(direct, tableName, tenantId),
      restartService: async () => {
        await running.service.stop();
        running.service = await startService();
      },
      stop: async () => {
        proxy.clear();
        await running.service.stop();
        await proxy.stop();
        direct.destroy();
        await dynamo.stop();
      },
    };
    return running;
  } catch (error) {
    await proxy.stop();
    direct.destroy();
    await dynamo.stop();
    throw error;
  }
}

/** A faulty service for the whole test file: started before its tests (then `setUp` runs), stopped after. */
export function useFaultyService(setUp: (api: ApiClient) => Promise<void>, options: FaultyServiceOptions = {}) {
  let running: FaultyService | undefined;
  const started = () => {
    if (running === undefined) throw new Error('the faulty service is not started yet');
    return running;
  };
  const api = apiClient({
    get url() {
      return started().service.url;
    },
  });
  beforeAll(async () => {
    running = await startFaultyService(options);
    await setUp(api);
  });
  afterAll(() => running?.stop());
  return {
    api,
    get service() {
      return started().service;
    },
    get proxy() {
      return started().proxy;
    },
    items: () => started().items(),
    violations: (tenantId: string) => started().violations(tenantId),
    restartService: () => started().restartService(),
  };
}
