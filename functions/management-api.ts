// Lambda entry point for the management API behind API Gateway (REST, proxy integration).
import { createApiHandler } from '../lib/api/api-handler.js';
import { createApiDeps } from './wiring/deps.js';
import { functionRoutes } from '../lib/api/api-routes.js';
import { loadFunctionConfig } from '../lib/config.js';
import { createLogger } from '../lib/logging.js';
import { createSecretVault } from '../lib/provider-events/signing-secrets.js';
import { createDynamoClient } from '../lib/store/client.js';
import { ExumStore } from '../lib/store/exum-store.js';

const config = loadFunctionConfig(process.env);
const store = new ExumStore(createDynamoClient({ endpoint: config.dynamoEndpoint, region: config.region }), config.tableName);

export const handler = createApiHandler(
  functionRoutes.management,
  createApiDeps(store, { ...config, secrets: createSecretVault(config) }),
  createLogger('exum-router-management', config.logLevel),
);
