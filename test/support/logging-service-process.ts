// The local service in a process of its own, so a test reads its log as an operator does: what
// the process writes to stdout and stderr. Arguments: DynamoDB endpoint, table name, log level.
// Its one line of its own, once it listens, is JSON too: {"ready":"<url>"}.
import { startLocalService } from '../../local/local-service.js';
import { parseLogLevel } from '../../lib/logging.js';

const [endpoint, tableName, level] = process.argv.slice(2) as [string, string, string];
const service = await startLocalService({
  port: 0,
  tableName,
  operatorToken: 'exum_logging_test_operator_token_000001',
  dynamoEndpoint: endpoint,
  logLevel: parseLogLevel(level, 'WARN'),
  configCacheMs: 0,
  // As API Gateway caches authorizer results: a token used once fails later on the handler's reads.
  credentialCacheMs: 60_000,
  streamProcessor: false,
});
process.stdout.write(`${JSON.stringify({ ready: service.url })}\n`);
