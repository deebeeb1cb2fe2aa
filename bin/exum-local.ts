#!/usr/bin/env node
// `npm start`: the whole service on this machine. Configuration from flags and environment:
//   PORT (3000), EXUM_OPERATOR_TOKEN (generated and printed when unset), EXUM_DATA_DIR
//   (.exum-data), --in-memory (throwaway data).
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateToken } from '../lib/auth/tokens.js';
import { JavaMissingError } from '../lib/local/dynamodb-local.js';
import { startLocalService } from '../lib/local/local-service.js';

const { values } = parseArgs({
  options: {
    'in-memory': { type: 'boolean', default: false },
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`Usage: npm start -- [--in-memory] [--port 3000] [--host 127.0.0.1]

Runs DynamoDB Local and the exum-router API on this machine.
  --in-memory   keep no data (default: data in $EXUM_DATA_DIR or ./.exum-data)
  --port        HTTP port (default: $PORT or 3000)
Environment: EXUM_OPERATOR_TOKEN sets the operator credential; when unset one is generated.

Example: EXUM_OPERATOR_TOKEN=exum_local_operator_token_0001 npm start -- --in-memory`);
  process.exit(0);
}

const port = Number(values.port ?? process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`exum-router: invalid port ${values.port ?? process.env.PORT}`);
  process.exit(2);
}
const generated = process.env.EXUM_OPERATOR_TOKEN === undefined;
const operatorToken = process.env.EXUM_OPERATOR_TOKEN ?? generateToken();
const dataDirectory = values['in-memory'] ? undefined : resolve(process.env.EXUM_DATA_DIR ?? '.exum-data');
if (dataDirectory !== undefined) mkdirSync(dataDirectory, { recursive: true });

try {
  const service = await startLocalService({
    port,
    host: values.host,
    tableName: process.env.TABLE_NAME ?? 'exum-router',
    operatorToken,
    ...(dataDirectory === undefined ? {} : { dataDirectory }),
  });
  console.log(`exum-router listening on ${service.url}  (data: ${dataDirectory ?? 'in memory'})`);
  console.log(generated ? `operator token (shown once): ${operatorToken}` : 'operator token: from EXUM_OPERATOR_TOKEN');
  console.log(`try: curl -H "Authorization: Bearer <operator token>" ${service.url}/v1/tenants`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`exum-router: ${signal}, stopping`);
    await service.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (error) {
  if (error instanceof JavaMissingError) console.error(`exum-router: ${error.message}`);
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') console.error(`exum-router: port ${port} is already in use; set PORT or --port`);
  else console.error('exum-router: failed to start:', error);
  process.exit(1);
}
