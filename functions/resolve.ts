// Lambda entry point for POST /v1/resolve, the gateways' hot path.
import { createApiHandler } from '../lib/api/api-handler.js';
import { createRoutingDeps } from './wiring/routing-deps.js';
// Only the resolve routes: importing the route index would bundle the whole management API.
import { resolveRoutes } from '../lib/api/resolve-routes.js';
import { loadFunctionConfig } from '../lib/config.js';
import { createLogger } from '../lib/logging.js';
import { createDynamoClient } from '../lib/store/client.js';
import { ExumStore } from '../lib/store/exum-store.js';

const config = loadFunctionConfig(process.env);
// A gateway waits on this answer: fail fast (one retry, short timeout) and let it retry.
const store = new ExumStore(
  createDynamoClient({ endpoint: config.dynamoEndpoint, region: config.region, requestTimeoutMs: 500, maxAttempts: 2 }),
  config.tableName,
);

export const handler = createApiHandler(
  resolveRoutes,
  createRoutingDeps(store, config),
  createLogger('exum-router-resolve', config.logLevel),
);
