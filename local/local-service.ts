// The whole service on one machine: DynamoDB Local, the table, the operator credential, and the
// API served by the same handlers as in AWS. Used by `npm start` and by the integration tests.
import type { Server } from 'node:http';
import { createApiHandler } from '../lib/api/api-handler.js';
import { createApiDeps, createStreamDeps } from '../functions/wiring/deps.js';
import { createStreamHandler } from '../lib/stream/process-stream.js';
import { StreamDriver } from './stream-driver.js';
import { CheckpointStore } from '../lib/store/checkpoint-store.js';
import { functionRoutes, publicRoutes } from '../lib/api/api-routes.js';
import { createPublicHandler } from '../lib/api/public-handler.js';
import { createCachedAuthenticator, REVOCATION_BOUND_MS } from '../lib/auth/credential-cache.js';
import { bootstrapOperator, type BootstrapOutcome } from '../lib/management/operator-credentials.js';
import { createLogger, loggedError, type LogLevel } from '../lib/logging.js';
import { createDynamoClient, DEFAULT_REQUEST_TIMEOUT_MS, type DynamoDBClient } from '../lib/store/client.js';
import { ensureTable } from '../lib/store/create-table.js';
import { ExumStore } from '../lib/store/exum-store.js';
import { tableAnswers } from '../lib/store/readiness.js';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.js';
import { createLocalHttpServer, listen } from './http-server.js';

/** How long a checked credential is trusted: the revocation bound (in AWS, API Gateway's authorizer cache has the same). */
export const DEFAULT_CREDENTIAL_CACHE_MS = REVOCATION_BOUND_MS;

export interface LocalServiceOptions {
  port: number;
  host?: string;
  tableName: string;
  /**
   * The bootstrap operator credential's token: installed at start, replacing (revoking) an
   * earlier bootstrap credential of another token; the same token changes nothing.
   */
  operatorToken: string;
  /** Use a DynamoDB Local that is already running; otherwise one is started. */
  dynamoEndpoint?: string;
  /** Where a started DynamoDB Local keeps its data; absent: in memory. */
  dataDirectory?: string;
  /** The level of the service's one JSON log (default WARN). */
  logLevel?: LogLevel;
  /** Per-attempt timeout of the store's requests (default 2 s, as lib/store/client.ts says). */
  storeRequestTimeoutMs?: number;
  /** Staleness bound of the routing configuration cache (default 5 s). */
  configCacheMs?: number;
  /** How long a checked credential is trusted before it is checked again (default 5 s, the revocation bound). */
  credentialCacheMs?: number;
  /** Run the stream processor on DynamoDB Local's stream (default true). */
  streamProcessor?: boolean;
  /** Provider event delivery: request timeout and in-invocation backoff (defaults: 5 s; 200, 800 ms). */
  delivery?: { timeoutMs?: number; backoffMs?: number[] };
  /** The time a stream batch gets, like a Lambda timeout (default 60 s). */
  streamBatchTimeoutMs?: number;
  /** HTTPS (and, with clientCa, mutual TLS) instead of HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer; clientCa?: string | Buffer };
  /** Serve the built console from this folder at / (npm start: dist/console). */
  consoleDirectory?: string;
  /**
   * Provider event endpoints on this machine (http or https to 127.0.0.0/8, ::1, localhost), for
   * local development and tests: npm start -- --allow-loopback-providers. Off by default.
   */
  allowLoopbackProviders?: boolean;
  /** Ports besides 443 a provider's event endpoint may name (EXUM_PROVIDER_ALLOWED_PORTS). */
  providerAllowedPorts?: readonly number[];
}

export interface LocalService {
  url: string;
  /** The DynamoDB Local this service started (undefined when given an endpoint). */
  dynamoDbLocal: { endpoint: string; pid: number | undefined } | undefined;
  port: number;
  store: ExumStore;
  /** What the start did with operatorToken: unchanged, created, or replaced (revoking the earlier bootstrap credential). */
  operatorBootstrap: BootstrapOutcome;
  /** The local stream driver, when running. */
  streamDriver: StreamDriver | undefined;
  /** The DynamoDB client under the store, for tests and benchmarks that count requests. */
  dynamoClient: DynamoDBClient;
  server: Server;
  stop: () => Promise<void>;
}

export async function startLocalService(options: LocalServiceOptions): Promise<LocalService> {
  let dynamo: DynamoDbLocal | undefined;
  const endpoint =
    options.dynamoEndpoint ??
    (dynamo = await startDynamoDbLocal({ ...(options.dataDirectory === undefined ? {} : { dataDirectory: options.dataDirectory }) }))
      .endpoint;
  const client = createDynamoClient({
    endpoint,
    ...(options.storeRequestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.storeRequestTimeoutMs }),
  });
  try {
    await ensureTable(client, options.tableName);
    const store = new ExumStore(client, options.tableName);
    const endpointRules = {
      allowLoopbackProviders: options.allowLoopbackProviders === true,
      ...(options.providerAllowedPorts === undefined ? {} : { providerAllowedPorts: options.providerAllowedPorts }),
    };
    const deps = createApiDeps(store, {
      ...(options.configCacheMs === undefined ? {} : { configCacheMs: options.configCacheMs }),
      ...endpointRules,
    });
    const operatorBootstrap = await bootstrapOperator(deps, options.operatorToken, { replace: true });

    const logger = createLogger('exum-router-local', options.logLevel ?? 'WARN');
    const server = createLocalHttpServer({
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.consoleDirectory === undefined ? {} : { consoleDirectory: options.consoleDirectory }),
      authenticate: createCachedAuthenticator(store, { ttlMs: options.credentialCacheMs ?? DEFAULT_CREDENTIAL_CACHE_MS }),
      // Two Lambdas in AWS (management and resolve), two mounts here.
      mounts: [
        { routes: functionRoutes.resolve, handler: createApiHandler(functionRoutes.resolve, deps, logger) },
        { routes: functionRoutes.management, handler: createApiHandler(functionRoutes.management, deps, logger) },
      ],
      // The health checks: ready when the table answers a read within the store's request timeout.
      publicMount: {
        routes: publicRoutes,
        handler: createPublicHandler(
          publicRoutes,
          { storeAnswers: () => tableAnswers(store.table, options.storeRequestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) },
          logger,
        ),
      },
      onError: (error, request) => logger.error('request failed', { ...request, ...loggedError(error) }),
    });
    const checkpoints = new CheckpointStore(client, `${options.tableName}-stream-checkpoints`);
    if (options.streamProcessor !== false) await checkpoints.ensureTable();
    const streamDriver =
      options.streamProcessor === false
        ? undefined
        : new StreamDriver({
            dynamoClient: client,
            endpoint,
            tableName: options.tableName,
            checkpoints,
            ...(options.streamBatchTimeoutMs === undefined ? {} : { batchTimeoutMs: options.streamBatchTimeoutMs }),
            handler: createStreamHandler(
              createStreamDeps(store, {
                ...(options.configCacheMs === undefined ? {} : { configCacheMs: options.configCacheMs }),
                ...endpointRules,
                ...(options.delivery?.timeoutMs === undefined ? {} : { deliveryTimeoutMs: options.delivery.timeoutMs }),
                ...(options.delivery?.backoffMs === undefined ? {} : { backoffMs: options.delivery.backoffMs }),
              }),
              logger,
            ),
            onError: (error, record) => logger.error('stream driver error', { ...record, ...loggedError(error) }),
          });
    streamDriver?.start();
    const address = await listen(server, options.port, options.host);
    return {
      url: `${options.tls === undefined ? 'http' : 'https'}://${address.address}:${address.port}`,
      dynamoDbLocal: dynamo === undefined ? undefined : { endpoint: dynamo.endpoint, pid: dynamo.pid },
      port: address.port,
      store,
      operatorBootstrap,
      streamDriver,
      dynamoClient: client,
      server,
      stop: async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await streamDriver?.stop();
        client.destroy();
        await dynamo?.stop();
      },
    };
  } catch (error) {
    client.destroy();
    await dynamo?.stop();
    throw error;
  }
}
