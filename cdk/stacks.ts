// The stacks, wired: the stateful one's resources handed to the stateless one, whose API the
// console's stack serves beside the console. Used by the app and by the template tests.
import { fileURLToPath } from 'node:url';
import { Annotations, type App } from 'aws-cdk-lib';
import { parseAllowedPorts } from '../lib/domain/endpoint-rules.js';
import { ConsoleStack } from './console-stack.js';
import { StatefulStack } from './stateful-stack.js';
import { StatelessStack } from './stateless-stack.js';

/** Where the console's build is (bin/build.mjs builds it there). */
export const DEFAULT_CONSOLE_ASSET_PATH = fileURLToPath(new URL('../dist/console', import.meta.url));

export interface ExumStacksOptions {
  /** The console's build; DEFAULT_CONSOLE_ASSET_PATH unless given (tests pass a stand-in). */
  consoleAssetPath?: string;
}

export function createExumStacks(app: App, options: ExumStacksOptions = {}) {
  const context = (key: string): string | undefined => app.node.tryGetContext(key) as string | undefined;
  const stateful = new StatefulStack(app, 'ExumRouterStateful', { description: 'exum-router: table, provisioning bus and queues' });
  const domainName = context('mtlsDomainName');
  const certificateArn = context('mtlsCertificateArn');
  const truststoreUri = context('mtlsTruststoreUri');
  const truststoreVersion = context('mtlsTruststoreVersion');
  const alarmEmail = context('alarmEmail');
  // Checked at synth as the functions check it at start: a bad value fails here, not in Lambda.
  // -c gives a string ("8443,9443"); cdk.json may give a number or a list of numbers.
  const ports = app.node.tryGetContext('providerAllowedPorts') as string | number | number[] | undefined;
  const providerAllowedPorts = parseAllowedPorts(ports === undefined ? undefined : Array.isArray(ports) ? ports.join(',') : String(ports));
  const mutualTls =
    domainName !== undefined && certificateArn !== undefined && truststoreUri !== undefined
      ? { domainName, certificateArn, truststoreUri, ...(truststoreVersion === undefined ? {} : { truststoreVersion }) }
      : undefined;
  const stateless = new StatelessStack(app, 'ExumRouter', {
    description: 'exum-router: functions, API, stream processing, alarms',
    table: stateful.table,
    provisioningQueue: stateful.provisioningQueue,
    provisioningDeadLetters: stateful.provisioningDeadLetters,
    streamFailures: stateful.streamFailures,
    ...(mutualTls === undefined ? {} : { mutualTls }),
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
    providerAllowedPorts,
  });

  // With mutual TLS the API asks every caller for a client certificate and its execute-api
  // endpoint is off, and CloudFront cannot present one: the console's /v1/* calls would all fail.
  // A second, certificate-free way into the API for CloudFront would undo what mutual TLS is
  // chosen for, so there is no console in that mode (docs/deploy.md), rather than a page that
  // loads and then fails on every call. -c console=false leaves it out too.
  let consoleStack: ConsoleStack | undefined;
  if (mutualTls !== undefined) {
    Annotations.of(stateless).addInfo(
      'No operator console with mutual TLS: CloudFront cannot present a client certificate to the API (docs/deploy.md)',
    );
  } else if (String(app.node.tryGetContext('console')) !== 'false') {
    consoleStack = new ConsoleStack(app, 'ExumRouterConsole', {
      description: 'exum-router: operator console (S3 behind CloudFront, with the API under /v1/)',
      api: stateless.api,
      consoleAssetPath: options.consoleAssetPath ?? DEFAULT_CONSOLE_ASSET_PATH,
    });
  }
  return { stateful, stateless, console: consoleStack };
}
