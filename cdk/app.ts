// The CDK app. Environment-agnostic (no account lookups), so `cdk synth` works offline.
// Context (cdk.json or -c): alarmEmail, and for mutual TLS on a custom domain mtlsDomainName,
// mtlsCertificateArn, mtlsTruststoreUri (s3://bucket/key), mtlsTruststoreVersion.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createExumStacks } from './stacks.js';

const app = new App();
createExumStacks(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
