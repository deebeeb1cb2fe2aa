// Lambda entry point for the API Gateway REQUEST authorizer (bearer tokens).
import { loadFunctionConfig } from '../lib/config.js';
import { createAuthorizer } from '../lib/auth/authorizer.js';
import { createLogger } from '../lib/logging.js';
import { createDynamoClient } from '../lib/store/client.js';
import { ExumStore } from '../lib/store/exum-store.js';

const config = loadFunctionConfig(process.env);
// Every API call waits on this answer (unless cached): fail fast, like the resolve function.
const store = new ExumStore(
  createDynamoClient({ endpoint: config.dynamoEndpoint, region: config.region, requestTimeoutMs: 500, maxAttempts: 2 }),
  config.tableName,
);

export const handler = createAuthorizer(store, createLogger('exum-router-authorizer', config.logLevel));
