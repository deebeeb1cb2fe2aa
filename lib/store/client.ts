// The DynamoDB client, with bounded timeouts: a hung connection must turn into a fast 503,
// never a hanging gateway request.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface DynamoClientOptions {
  /** DynamoDB Local's URL; absent in AWS, where the SDK finds the regional endpoint. */
  endpoint?: string;
  region?: string;
  /** Per-attempt timeout; the SDK retries throttling and 5xx up to maxAttempts. */
  requestTimeoutMs?: number;
  maxAttempts?: number;
}

export function createDynamoClient(options: DynamoClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    ...(options.endpoint === undefined
      ? {}
      : { endpoint: options.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    region: options.region ?? 'us-east-1',
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 1_000,
      requestTimeout: options.requestTimeoutMs ?? 2_000,
      httpAgent: { keepAlive: true, maxSockets: 64 },
      httpsAgent: { keepAlive: true, maxSockets: 64 },
    }),
  });
}
