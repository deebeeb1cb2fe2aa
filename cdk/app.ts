// The CDK app. Environment-agnostic (no account lookups), so `cdk synth` works offline.
import { App } from 'aws-cdk-lib';
import { StatefulStack } from './stateful-stack.js';

const app = new App();
new StatefulStack(app, 'ExumRouterStateful', { description: 'exum-router: table with stream' });
app.synth();
