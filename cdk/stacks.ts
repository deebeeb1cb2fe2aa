// Both stacks, wired: the stateful one's resources handed to the stateless one. Used by the app
// and by the template tests.
import type { App } from 'aws-cdk-lib';
import { StatefulStack } from './stateful-stack.js';
import { StatelessStack } from './stateless-stack.js';

export function createExumStacks(app: App) {
  const context = (key: string): string | undefined => app.node.tryGetContext(key) as string | undefined;
  const stateful = new StatefulStack(app, 'ExumRouterStateful', { description: 'exum-router: table, provisioning bus and queues' });
  const domainName = context('mtlsDomainName');
  const certificateArn = context('mtlsCertificateArn');
  const truststoreUri = context('mtlsTruststoreUri');
  const truststoreVersion = context('mtlsTruststoreVersion');
  const alarmEmail = context('alarmEmail');
  const stateless = new StatelessStack(app, 'ExumRouter', {
    description: 'exum-router: functions, API, stream processing, alarms',
    table: stateful.table,
    provisioningQueue: stateful.provisioningQueue,
    provisioningDeadLetters: stateful.provisioningDeadLetters,
    streamFailures: stateful.streamFailures,
    ...(domainName !== undefined && certificateArn !== undefined && truststoreUri !== undefined
      ? { mutualTls: { domainName, certificateArn, truststoreUri, ...(truststoreVersion === undefined ? {} : { truststoreVersion }) } }
      : {}),
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
  });
  return { stateful, stateless };
}
