// The local server in its own process, for the HTTP throughput measurement: the load generator
// must not share the server's event loop. Prints its URL once listening. A fourth argument
// `no-stream` leaves the stream processor out; a fifth, a folder, serves the console from it.
// EXUM_BENCH_STORE_TIMEOUT_MS, when set, is the store's per-request timeout (the import phase gives
// the server the wait its baseline client has, see bench/import.ts).
import { startLocalService } from '../local/local-service.js';

const [endpoint, tableName, operatorToken, stream, consoleDirectory] = process.argv.slice(2) as [
  string,
  string,
  string,
  string | undefined,
  string | undefined,
];
const service = await startLocalService({
  port: 0,
  tableName,
  operatorToken,
  dynamoEndpoint: endpoint,
  logLevel: 'ERROR',
  configCacheMs: 60_000,
  ...(process.env.EXUM_BENCH_STORE_TIMEOUT_MS === undefined
    ? {}
    : { storeRequestTimeoutMs: Number(process.env.EXUM_BENCH_STORE_TIMEOUT_MS) }),
  credentialCacheMs: 60_000,
  streamProcessor: stream !== 'no-stream',
  // The bench's provider (bench/provider-process.ts) listens on this machine.
  allowLoopbackProviders: true,
  ...(consoleDirectory === undefined ? {} : { consoleDirectory }),
});
process.stdout.write(`${service.url}\n`);
process.on('SIGTERM', () => void service.stop().then(() => process.exit(0)));
