#!/usr/bin/env node
// `npm start`: the whole service on this machine — DynamoDB Local, the API (the same handlers
// as the Lambdas), and the stream processor. Configuration from flags and environment.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateToken } from '../lib/auth/tokens.js';
import { parseAllowedPorts } from '../lib/domain/endpoint-rules.js';
import { ExumError } from '../lib/errors.js';
import type { BootstrapOutcome } from '../lib/management/operator-credentials.js';
import { loadDemoTenant } from './demo.js';
import { JavaMissingError } from './dynamodb-local.js';
import { startLocalService } from './local-service.js';
import { loggedError, parseLogLevel, type LogLevel } from '../lib/logging.js';
import { superviseShutdown } from './shutdown.js';
import { inlineVault } from '../lib/provider-events/signing-secrets.js';

const { values } = parseArgs({
  options: {
    'in-memory': { type: 'boolean', default: false },
    demo: { type: 'boolean', default: false },
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'tls-client-ca': { type: 'string' },
    'allow-loopback-providers': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`Usage: npm start -- [--demo] [--in-memory | --data-dir ./.exum-data] [--port 3000] [--host 127.0.0.1]
                    [--tls-cert cert.pem --tls-key key.pem [--tls-client-ca ca.pem]]

Runs DynamoDB Local, the exum-router API and its stream processor on this machine.
  --demo           load a demo tenant (contoso.com, mixed mode), print its credentials and write
                   ./.exumctl.yaml (one exumctl context per demo role; removed when it stops)
  --data-dir       where DynamoDB Local keeps the data (default: $EXUM_DATA_DIR, else ./.exum-data)
  --in-memory      keep no data at all
  --port           port (default: $PORT or 3000; 0 picks a free one)
  --host           the address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 for
                   every interface, then serve HTTPS: tokens travel in every request)
  --tls-cert/-key  serve HTTPS with this certificate and key
  --tls-client-ca  require client certificates signed by this CA (mutual TLS)
  --allow-loopback-providers
                   let providers' event endpoints be on this machine (http or https to 127.0.0.0/8,
                   ::1, localhost), for development and tests; off by default, never in AWS
Environment: EXUM_OPERATOR_TOKEN sets the bootstrap operator credential (a new value revokes the
previous one). When unset, one is generated: kept in <data-dir>/operator-token (mode 0600) and
reused at each start, or with --in-memory printed once.
Flags win over the environment (--port over PORT, --data-dir over EXUM_DATA_DIR).

Example: npm start -- --demo --in-memory`);
  process.exit(0);
}

const port = Number(values.port ?? process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`exum-router: invalid port ${values.port ?? process.env.PORT}`);
  process.exit(2);
}
if (
  (values['tls-cert'] === undefined) !== (values['tls-key'] === undefined) ||
  (values['tls-client-ca'] !== undefined && values['tls-cert'] === undefined)
) {
  console.error('exum-router: --tls-cert and --tls-key go together; --tls-client-ca needs them');
  process.exit(2);
}
if (values['in-memory'] && values['data-dir'] !== undefined) {
  console.error('exum-router: --in-memory keeps no data, --data-dir names where to keep it: give one of them');
  process.exit(2);
}
let logLevel: LogLevel;
let providerAllowedPorts: number[];
try {
  logLevel = parseLogLevel(process.env.POWERTOOLS_LOG_LEVEL ?? process.env.LOG_LEVEL, 'WARN');
  providerAllowedPorts = parseAllowedPorts(process.env.EXUM_PROVIDER_ALLOWED_PORTS);
} catch (error) {
  console.error(`exum-router: ${(error as Error).message}`);
  process.exit(2);
}
const exumctlConfig = resolve('.exumctl.yaml');
const dataDirectory = values['in-memory'] ? undefined : resolve(values['data-dir'] ?? process.env.EXUM_DATA_DIR ?? '.exum-data');
if (dataDirectory !== undefined) mkdirSync(dataDirectory, { recursive: true });

/**
 * The bootstrap operator token: EXUM_OPERATOR_TOKEN; else, on a data directory, the one kept in
 * its operator-token file (0600), written at the first start and reused, so that no start adds a
 * credential; else (in memory) a new one, printed once. The bootstrap keeps one bootstrap
 * credential: a token other than the last start's replaces (revokes) it.
 */
const operatorTokenFile = dataDirectory === undefined ? undefined : join(dataDirectory, 'operator-token');
const operatorTokenSource: 'environment' | 'file' | 'new file' | 'generated' =
  process.env.EXUM_OPERATOR_TOKEN !== undefined
    ? 'environment'
    : operatorTokenFile === undefined
      ? 'generated'
      : existsSync(operatorTokenFile)
        ? 'file'
        : 'new file';
const newTokenFile = (file: string): string => {
  const token = generateToken();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
};
let operatorToken =
  operatorTokenSource === 'environment'
    ? process.env.EXUM_OPERATOR_TOKEN!
    : operatorTokenSource === 'file'
      ? readFileSync(operatorTokenFile!, 'utf8').trim()
      : operatorTokenSource === 'new file'
        ? newTokenFile(operatorTokenFile!)
        : generateToken();

/** The one line that says where the operator token is and what this start did with it. */
function operatorTokenLine(outcome: BootstrapOutcome, fileReplaced: boolean): string {
  const where =
    operatorTokenSource === 'environment'
      ? 'from EXUM_OPERATOR_TOKEN'
      : operatorTokenSource === 'generated'
        ? `(shown once): ${operatorToken}`
        : `in ${operatorTokenFile} (mode 0600, reused at each start${fileReplaced ? '; its revoked token was replaced' : ''})`;
  const what =
    outcome.action === 'replaced'
      ? `; it replaces operator credential ${outcome.revoked.join(', ')}, revoked: the previous token is refused from now on`
      : '';
  return `operator token ${where} (operator credential ${outcome.credentialId})${what}`;
}

// Installed before anything starts: a signal during start stops what has started.
const shutdown = superviseShutdown({ log: (line) => console.log(`exum-router: ${line}`) });

try {
  const tls =
    values['tls-cert'] === undefined || values['tls-key'] === undefined
      ? undefined
      : {
          cert: readFileSync(values['tls-cert']),
          key: readFileSync(values['tls-key']),
          ...(values['tls-client-ca'] === undefined ? {} : { clientCa: readFileSync(values['tls-client-ca']) }),
        };
  const startWith = (token: string) =>
    startLocalService({
      port,
      host: values.host,
      tableName: process.env.TABLE_NAME ?? 'exum-router',
      operatorToken: token,
      ...(dataDirectory === undefined ? {} : { dataDirectory }),
      ...(tls === undefined ? {} : { tls }),
      // Built beside this bundle (dist/console) by bin/build.mjs.
      consoleDirectory: fileURLToPath(new URL('./console/', import.meta.url)),
      // The service's JSON log (stdout): Powertools' variable first, as in the Lambdas.
      logLevel,
      allowLoopbackProviders: values['allow-loopback-providers'],
      providerAllowedPorts,
    });
  let service;
  let fileReplaced = false;
  try {
    service = await startWith(operatorToken);
  } catch (error) {
    // The token file's credential was revoked (through the API): a revoked token never comes back, a new one replaces it.
    const revoked = error instanceof ExumError && error.issues.some((issue) => issue.rule === 'token-revoked');
    if (!revoked || operatorTokenSource !== 'file') throw error;
    operatorToken = newTokenFile(operatorTokenFile!);
    fileReplaced = true;
    service = await startWith(operatorToken);
  }
  // A token file another token replaced holds a revoked token: it goes.
  if (operatorTokenSource === 'environment' && operatorTokenFile !== undefined && existsSync(operatorTokenFile)) {
    if (readFileSync(operatorTokenFile, 'utf8').trim() !== operatorToken) rmSync(operatorTokenFile);
  }
  console.log(
    `exum-router listening on ${service.url}${tls?.clientCa === undefined ? '' : ' (client certificates required)'}  (data: ${dataDirectory ?? 'in memory'})`,
  );
  console.log(`console: ${service.url}/ (sign in with a token below)`);
  console.log(`DynamoDB Local: ${service.dynamoDbLocal?.endpoint} (pid ${service.dynamoDbLocal?.pid})`);
  if (values['allow-loopback-providers']) console.log('provider event endpoints on this machine allowed (--allow-loopback-providers)');
  console.log(operatorTokenLine(service.operatorBootstrap, fileReplaced));
  if (values.demo) {
    const demo = await loadDemoTenant(
      { store: service.store, now: () => new Date(), secrets: inlineVault },
      service.operatorBootstrap.credentialId,
    );
    console.log(`demo tenant: ${demo.tenantId} (contoso.com, mixed mode)`);
    console.log(`gateway token: ${demo.tokens.gateway}`);
    console.log(`user-admin token: ${demo.tokens.userAdmin}`);
    console.log(`server-admin token: ${demo.tokens.serverAdmin}`);
    // exumctl reads ./.exumctl.yaml: from this directory it works with no further setup. One
    // context per demo credential, so commands of every role work (docs/exumctl.md, contexts).
    const tlsHint =
      tls === undefined
        ? []
        : [
            '    # ca: the PEM of the CA that signed the server certificate (or set EXUM_CA)',
            ...(tls.clientCa === undefined ? [] : ['    # cert: and key: a client certificate the --tls-client-ca CA signed']),
          ];
    const context = (name: string, token: string) => [
      `  ${name}:`,
      `    role: ${name}`,
      `    server: ${service.url}`,
      `    tenant: ${demo.tenantId}`,
      `    token: ${token}`,
      ...tlsHint,
    ];
    writeFileSync(
      exumctlConfig,
      [
        '# written by npm start -- --demo; removed when it stops. Each exumctl command uses the',
        '# context whose role it needs unless one is chosen (--context, $EXUM_CONTEXT).',
        'current-context: user-admin',
        'contexts:',
        ...context('user-admin', demo.tokens.userAdmin),
        ...context('server-admin', demo.tokens.serverAdmin),
        ...context('gateway', demo.tokens.gateway),
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    console.log(`exumctl: ${exumctlConfig} holds a context for each demo role (user-admin, server-admin, gateway)`);
    console.log(
      `try: curl -s -H "Authorization: Bearer ${demo.tokens.gateway}" -H 'content-type: application/json' -d '{"target":"sip:alice@contoso.com"}' ${service.url}/v1/resolve`,
    );
    console.log('try: npx exumctl test-voicemail sip:alice@contoso.com');
  } else {
    console.log(`try: curl -H "Authorization: Bearer <operator token>" ${service.url}/v1/tenants`);
  }

  // The demo's exumctl settings name a service that is going away, whichever way it stops.
  const removeDemoSettings = () => {
    if (values.demo) rmSync(exumctlConfig, { force: true });
  };
  shutdown.whenRequested(
    async () => {
      removeDemoSettings();
      await service.stop();
    },
    () => {
      removeDemoSettings();
      // The watchdog would end DynamoDB Local a moment after we exit; a forced stop does not wait for it.
      if (service.dynamoDbLocal?.pid !== undefined) process.kill(service.dynamoDbLocal.pid, 'SIGKILL');
    },
  );
} catch (error) {
  if (error instanceof JavaMissingError) console.error(`exum-router: ${error.message}`);
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
    console.error(`exum-router: port ${port} is already in use; set PORT or --port`);
  else if ((error as NodeJS.ErrnoException).code === 'ENOENT') console.error(`exum-router: ${(error as Error).message}`);
  else if (error instanceof ExumError && error.issues.some((issue) => issue.field === 'token'))
    console.error(`exum-router: EXUM_OPERATOR_TOKEN: ${error.message}`);
  else {
    // One line to act on (a few frames only when it is a bug), not the error object dumped.
    const { error: cause } = loggedError(error);
    console.error(`exum-router: failed to start: ${cause.name}: ${cause.message}${cause.stack === undefined ? '' : `\n${cause.stack}`}`);
  }
  process.exit(1);
}
