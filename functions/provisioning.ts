// Lambda entry point for provisioning events: EventBridge rule → SQS queue → this function
// (batch item failures reported; the queue's redrive policy sends repeated failures to its DLQ).
import { createApiDeps } from './wiring/deps.js';
import { loadFunctionConfig } from '../lib/config.js';
import { createLogger } from '../lib/logging.js';
import { createSecretVault } from '../lib/provider-events/signing-secrets.js';
import { createProvisioningHandler } from '../lib/provisioning/apply-provisioning-events.js';
import { createDynamoClient } from '../lib/store/client.js';
import { ExumStore } from '../lib/store/exum-store.js';

const config = loadFunctionConfig(process.env);
const store = new ExumStore(createDynamoClient({ endpoint: config.dynamoEndpoint, region: config.region }), config.tableName);

export const handler = createProvisioningHandler(
  createApiDeps(store, { ...config, secrets: createSecretVault(config) }),
  createLogger('exum-router-provisioning', config.logLevel),
);
