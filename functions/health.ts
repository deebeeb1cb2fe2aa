// Lambda entry point for GET /healthz and GET /readyz, the health checks of load balancers, DNS
// (Route 53) and gateways: no authorizer before it (cdk/stateless-stack.ts), and a role that may
// read one fixed key of the table and nothing else (cdk/exum-function.ts). Kept apart from the
// other functions so its bundle holds only this.
import { healthRoutes } from '../lib/api/health-routes.js';
import { createPublicHandler } from '../lib/api/public-handler.js';
import { loadFunctionConfig } from '../lib/config.js';
import { createLogger } from '../lib/logging.js';
import { createDynamoClient } from '../lib/store/client.js';
import { tableAnswers } from '../lib/store/readiness.js';

const config = loadFunctionConfig(process.env);
// The resolve function's budget (two attempts of 500 ms): ready means the store answers as the hot path needs it.
const REQUEST_TIMEOUT_MS = 500;
const MAX_ATTEMPTS = 2;
const table = {
  client: createDynamoClient({
    endpoint: config.dynamoEndpoint,
    region: config.region,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    maxAttempts: MAX_ATTEMPTS,
  }),
  tableName: config.tableName,
};

export const handler = createPublicHandler(
  healthRoutes,
  { storeAnswers: () => tableAnswers(table, REQUEST_TIMEOUT_MS * MAX_ATTEMPTS) },
  createLogger('exum-router-health', config.logLevel),
);
