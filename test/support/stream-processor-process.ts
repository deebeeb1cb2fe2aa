// A stream processor in a process of its own, so a test can kill it (SIGKILL) mid-batch.
// Arguments: DynamoDB endpoint, table name. Prints "ready" once its stream driver runs.
import { startLocalService } from '../../local/local-service.js';

const [endpoint, tableName] = process.argv.slice(2) as [string, string];
await startLocalService({
  port: 0,
  tableName,
  operatorToken: 'exum_crash_test_operator_token_00000001',
  dynamoEndpoint: endpoint,
  logLevel: 'SILENT',
  configCacheMs: 0,
  credentialCacheMs: 0,
  streamBatchTimeoutMs: 1_500,
  delivery: { timeoutMs: 2_000, backoffMs: [50] },
  // The test's provider server listens on this machine.
  allowLoopbackProviders: true,
});
process.stdout.write('ready\n');
