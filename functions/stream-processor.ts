// Lambda entry point for the table's DynamoDB stream (event source mapping with
// reportBatchItemFailures): migration progress and provider events.
import { createStreamDeps } from './wiring/deps.js';
import { loadFunctionConfig } from '../lib/config.js';
import { createLogger } from '../lib/logging.js';
import { createSecretVault } from '../lib/provider-events/signing-secrets.js';
import { createDynamoClient } from '../lib/store/client.js';
import { ExumStore } from '../lib/store/exum-store.js';
import { createStreamHandler } from '../lib/stream/process-stream.js';

const config = loadFunctionConfig(process.env);
const store = new ExumStore(createDynamoClient({ endpoint: config.dynamoEndpoint, region: config.region }), config.tableName);

export const handler = createStreamHandler(
  createStreamDeps(store, { ...config, secrets: createSecretVault(config) }),
  createLogger('exum-router-stream-processor', config.logLevel),
);
