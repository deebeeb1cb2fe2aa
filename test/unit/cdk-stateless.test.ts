// The deployment's template: the properties that matter, asserted on the synthesized stacks.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { createExumStacks } from '../../cdk/stacks.js';
import { apiRoutes } from '../../lib/api/api-routes.js';
import packageJson from '../../package.json' with { type: 'json' };
import type { ParsedJson } from '../support/json.js';

const outdir = mkdtempSync(join(tmpdir(), 'cdk-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const app = new App({ outdir, context: { alarmEmail: 'oncall@example.com' } });
const { stateless } = createExumStacks(app);
const template = Template.fromStack(stateless);
const resources = (type: string) => Object.entries(template.findResources(type)) as [string, { Properties: ParsedJson }][];

describe('the stateless stack', () => {
  it('runs every function on the Node.js major that the project installs and tests on', () => {
    const major = process.versions.node.split('.')[0];
    expect(packageJson.devDependencies.node.split('.')[0]).toBe(major);
    expect(packageJson.engines.node).toBe(`>=${major} <${Number(major) + 1}`);
    const functions = resources('AWS::Lambda::Function').filter(([, fn]) => fn.Properties.Handler === 'index.handler');
    expect(functions.length).toBeGreaterThanOrEqual(5);
    for (const [, fn] of functions) expect(fn.Properties.Runtime).toBe(`nodejs${major}.x`);
  });

  it('creates a method for every route, each behind the bearer-token authorizer', () => {
    const methods = resources('AWS::ApiGateway::Method').filter(([, method]) => method.Properties.HttpMethod !== 'OPTIONS');
    expect(methods).toHaveLength(apiRoutes.length);
    for (const [, method] of methods) {
      expect(method.Properties.AuthorizationType).toBe('CUSTOM');
      expect(method.Properties.AuthorizerId).toBeDefined();
      expect(method.Properties.RequestValidatorId).toBeDefined();
    }
    const [, authorizer] = resources('AWS::ApiGateway::Authorizer')[0]!;
    expect(authorizer.Properties).toMatchObject({
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 30,
    });
  });

  it('logs access and throttles the stage', () => {
    const [, stage] = resources('AWS::ApiGateway::Stage')[0]!;
    expect(stage.Properties.AccessLogSetting.DestinationArn).toBeDefined();
    expect(stage.Properties.TracingEnabled).toBe(true);
    expect(stage.Properties.MethodSettings).toEqual(expect.arrayContaining([expect.objectContaining({ ThrottlingRateLimit: 2000 })]));
  });

  it('maps the stream with batch item failures, bisection, bounded retries and age, an on-failure queue, in order', () => {
    const mapping = resources('AWS::Lambda::EventSourceMapping').find(([, m]) => m.Properties.StartingPosition === 'TRIM_HORIZON')![1]
      .Properties;
    expect(mapping).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86400,
      ParallelizationFactor: 1,
    });
    expect(mapping.DestinationConfig.OnFailure.Destination).toBeDefined();
    const sqs = resources('AWS::Lambda::EventSourceMapping').find(([, m]) => m.Properties.StartingPosition === undefined)![1].Properties;
    expect(sqs.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  it('runs every function on Node.js 24, arm64, traced, from a bundle', () => {
    const functions = resources('AWS::Lambda::Function').filter(
      ([, fn]) => fn.Properties.Runtime?.startsWith('nodejs') && fn.Properties.Handler === 'index.handler',
    );
    expect(functions).toHaveLength(5);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
      expect(fn.Properties.Environment.Variables.TABLE_NAME).toBeDefined();
    }
    // esbuild bundled each one into the assembly.
    const bundles = readdirSync(outdir).filter((name) => name.startsWith('asset.') && existsSync(join(outdir, name, 'index.mjs')));
    expect(bundles).toHaveLength(5);
    for (const bundle of bundles) {
      expect(statSync(join(outdir, bundle, 'index.mjs')).size).toBeGreaterThan(100_000);
      expect(existsSync(join(outdir, bundle, 'index.mjs.map'))).toBe(true);
    }
  });

  it('grants table access by action and by name: no wildcards on data', () => {
    const statements = resources('AWS::IAM::Policy').flatMap(
      ([, policy]) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const dynamo = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('dynamodb:')));
    expect(dynamo.length).toBeGreaterThanOrEqual(5);
    for (const statement of dynamo) {
      expect(
        [statement.Action]
          .flat()
          .every(
            (action) =>
              !action.includes('*') ||
              action === 'dynamodb:DescribeStream' ||
              action.startsWith('dynamodb:GetShard') ||
              action.startsWith('dynamodb:ListStreams'),
          ),
        JSON.stringify(statement.Action),
      ).toBe(true);
      expect(JSON.stringify(statement.Resource)).not.toBe('"*"');
    }
    // The resolve function reads, and only reads.
    const resolveRole = resources('AWS::IAM::Policy').find(([id]) => id.startsWith('ResolveFunctionServiceRoleDefaultPolicy'))![1];
    const resolveActions = (resolveRole.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
      .flatMap((statement) => [statement.Action].flat())
      .filter((action) => action.startsWith('dynamodb:'));
    expect(resolveActions.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
  });

  it('lets only the management API write providers’ secrets and only the stream processor read them', () => {
    const policies = resources('AWS::IAM::Policy');
    const actionsOf = (prefix: string) =>
      policies
        .filter(([id]) => id.startsWith(prefix))
        .flatMap(([, policy]) =>
          (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((statement) => [statement.Action].flat()),
        )
        .filter((action) => action.startsWith('secretsmanager:'))
        .sort();
    expect(actionsOf('ManagementFunction')).toEqual([
      'secretsmanager:CreateSecret',
      'secretsmanager:DeleteSecret',
      'secretsmanager:PutSecretValue',
    ]);
    expect(actionsOf('StreamProcessorFunction')).toEqual(['secretsmanager:GetSecretValue']);
    expect(actionsOf('ResolveFunction')).toEqual([]);
    expect(actionsOf('AuthorizerFunction')).toEqual([]);
  });

  it('wires every alarm to the alarm topic, which mails the on-call address', () => {
    const alarms = resources('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(16);
    for (const [, alarm] of alarms) expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain('Alarms');
    expect(resources('AWS::SNS::Subscription')[0]![1].Properties).toMatchObject({ Protocol: 'email', Endpoint: 'oncall@example.com' });
    expect(resources('AWS::CloudWatch::Dashboard')).toHaveLength(1);
  });
});

describe('the API’s own refusals', () => {
  it('answer problem+json, 401 with WWW-Authenticate for bad credentials', () => {
    const responses = resources('AWS::ApiGateway::GatewayResponse').map(([, response]) => response.Properties);
    const unauthorized = responses.find((response) => response.ResponseType === 'UNAUTHORIZED');
    expect(unauthorized).toMatchObject({
      StatusCode: '401',
      ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
    });
    expect(JSON.parse(unauthorized.ResponseTemplates['application/json'])).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(responses.map((response) => response.ResponseType)).toEqual(
      expect.arrayContaining(['ACCESS_DENIED', 'BAD_REQUEST_PARAMETERS', 'THROTTLED', 'DEFAULT_5XX']),
    );
  });
});

describe('mutual TLS', () => {
  it('serves the API on the custom domain with the truststore, and turns the default endpoint off', () => {
    const mtlsOut = mkdtempSync(join(tmpdir(), 'cdk-test-'));
    try {
      const mtlsApp = new App({
        outdir: mtlsOut,
        context: {
          'aws:cdk:bundling-stacks': [],
          mtlsDomainName: 'exum.contoso.com',
          mtlsCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
          mtlsTruststoreUri: 's3://contoso-truststores/exum/ca.pem',
        },
      });
      const mtls = Template.fromStack(createExumStacks(mtlsApp).stateless);
      mtls.hasResourceProperties('AWS::ApiGateway::DomainName', {
        DomainName: 'exum.contoso.com',
        MutualTlsAuthentication: { TruststoreUri: 's3://contoso-truststores/exum/ca.pem' },
        SecurityPolicy: 'TLS_1_2',
      });
      mtls.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
    } finally {
      rmSync(mtlsOut, { recursive: true, force: true });
    }
  });
});

describe('cdk-nag', () => {
  it('passes the AwsSolutions checks: every finding fixed or acknowledged with a reason', async () => {
    const { Validations } = await import('aws-cdk-lib');
    const { AwsSolutionsChecks } = await import('cdk-nag');
    const nagOut = mkdtempSync(join(tmpdir(), 'cdk-test-'));
    try {
      const nagApp = new App({ outdir: nagOut, context: { 'aws:cdk:bundling-stacks': [] } });
      createExumStacks(nagApp);
      Validations.of(nagApp).addPlugins(new AwsSolutionsChecks(nagApp));
      expect(() => nagApp.synth()).not.toThrow();
    } finally {
      rmSync(nagOut, { recursive: true, force: true });
    }
  });
});
