// The DynamoDB client, with bounded timeouts: a hung connection must turn into a fast 503,
// never a hanging gateway request.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { StoreRetryStrategy } from './retry-strategy.js';

/** The client's type, for hosts that hold one to hand on (local/ gives it to its stream driver and to tests). */
export type { DynamoDBClient };

/** The default client's budget: a DynamoDB that does not answer costs a caller about 3 × 2 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 2_000;
export const DEFAULT_MAX_ATTEMPTS = 3;

export interface DynamoClientOptions {
  /** DynamoDB Local's URL; absent in AWS, where the SDK finds the regional endpoint. */
  endpoint?: string;
  region?: string;
  /** Per-attempt timeout; throttling, 5xx, timeouts and network errors are retried up to maxAttempts (retry-strategy.ts). */
  requestTimeoutMs?: number;
  maxAttempts?: number;
}

/**
 * An HTTP handler whose timeouts end the attempt. Without throwOnRequestTimeout the SDK only
 * logs a warning when requestTimeout passes, and waits on (for its 5-minute socket timeout).
 */
export function boundedRequestHandler(requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): NodeHttpHandler {
  return new NodeHttpHandler({
    connectionTimeout: 1_000,
    requestTimeout: requestTimeoutMs,
    throwOnRequestTimeout: true,
    httpAgent: { keepAlive: true, maxSockets: 64 },
    httpsAgent: { keepAlive: true, maxSockets: 64 },
  });
}

export function createDynamoClient(options: DynamoClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    ...(options.endpoint === undefined
      ? {}
      : { endpoint: options.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    region: options.region ?? 'us-east-1',
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    // The SDK's standard retries, except that a store that is down does not empty their quota.
    retryStrategy: new StoreRetryStrategy({ maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS }),
    requestHandler: boundedRequestHandler(options.requestTimeoutMs),
  });
}
