// Lambda entry point for the management API behind API Gateway (REST, proxy integration).
import { Logger } from '@aws-lambda-powertools/logger';
import { createManagementHandler } from '../lib/api/management-handler.js';
import { loadFunctionConfig } from '../lib/config.js';
import { createDynamoClient } from '../lib/store/client.js';
import { ExumStore } from '../lib/store/exum-store.js';

const config = loadFunctionConfig(process.env);
const logger = new Logger({ serviceName: 'exum-router-management' });
const store = new ExumStore(createDynamoClient({ endpoint: config.dynamoEndpoint, region: config.region }), config.tableName);

export const handler = createManagementHandler({ store, now: () => new Date() }, logger);
