// The deployment's template: the properties that matter, asserted on the synthesized stacks.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { createExumStacks } from '../../cdk/stacks.js';
import { apiRoutes, publicRoutes } from '../../lib/api/api-routes.js';
import { REVOCATION_BOUND_MS } from '../../lib/auth/credential-cache.js';
import { READINESS_PROBE_PARTITION } from '../../lib/store/readiness.js';
import packageJson from '../../package.json' with { type: 'json' };
import { fakeConsoleBuild, removeConsoleBuild } from '../support/console-build.js';
import type { ParsedJson } from '../support/json.js';

const outdir = mkdtempSync(join(tmpdir(), 'cdk-test-'));
// The app holds the console's stack too: a stand-in for its build, so no console build is needed.
const consoleAssetPath = fakeConsoleBuild();
afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  removeConsoleBuild(consoleAssetPath);
});

const app = new App({ outdir, context: { alarmEmail: 'oncall@example.com' } });
const { stateless } = createExumStacks(app, { consoleAssetPath });
const template = Template.fromStack(stateless);
const resources = (type: string) => Object.entries(template.findResources(type)) as [string, { Properties: ParsedJson }][];

/** The API Gateway methods of a template (CORS preflights aside), each with the path part of its resource. */
function methodsOf(stackTemplate: Template) {
  const apiResources = stackTemplate.findResources('AWS::ApiGateway::Resource') as Record<string, { Properties: ParsedJson }>;
  return Object.values(stackTemplate.findResources('AWS::ApiGateway::Method') as Record<string, { Properties: ParsedJson }>)
    .map((method) => method.Properties)
    .filter((method) => method.HttpMethod !== 'OPTIONS')
    .map((method) => ({ ...method, pathPart: apiResources[method.ResourceId.Ref]?.Properties.PathPart as string | undefined }));
}

/** The public routes' methods as `HEAD /healthz`: each answers GET and HEAD. */
const healthMethodNames = publicRoutes.flatMap((route) => [`GET ${route.path}`, `HEAD ${route.path}`]).sort();
const isHealthMethod = (method: { pathPart?: string | undefined }) => publicRoutes.some((route) => route.path === `/${method.pathPart}`);

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
    const methods = methodsOf(template).filter((method) => !isHealthMethod(method));
    expect(methods).toHaveLength(apiRoutes.length);
    for (const method of methods) {
      expect(method.AuthorizationType).toBe('CUSTOM');
      expect(method.AuthorizerId).toBeDefined();
      expect(method.RequestValidatorId).toBeDefined();
    }
    const [, authorizer] = resources('AWS::ApiGateway::Authorizer')[0]!;
    expect(authorizer.Properties).toMatchObject({
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
    });
  });

  it('caches authorizer results for no longer than the revocation bound (5 s): a revoked credential is refused within it', () => {
    const [, authorizer] = resources('AWS::ApiGateway::Authorizer')[0]!;
    expect(authorizer.Properties.AuthorizerResultTtlInSeconds).toBeLessThanOrEqual(5);
    expect(authorizer.Properties.AuthorizerResultTtlInSeconds * 1000).toBeLessThanOrEqual(REVOCATION_BOUND_MS);
    expect(REVOCATION_BOUND_MS).toBeLessThanOrEqual(5_000);
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
    expect(functions).toHaveLength(6);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
      expect(fn.Properties.Environment.Variables.TABLE_NAME).toBeDefined();
    }
    // esbuild bundled each one into the assembly.
    const bundles = readdirSync(outdir).filter((name) => name.startsWith('asset.') && existsSync(join(outdir, name, 'index.mjs')));
    expect(bundles).toHaveLength(6);
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
    expect(actionsOf('HealthFunction')).toEqual([]);
  });

  it('wires every alarm to the alarm topic, which mails the on-call address', () => {
    const alarms = resources('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(16);
    for (const [, alarm] of alarms) expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain('Alarms');
    expect(resources('AWS::SNS::Subscription')[0]![1].Properties).toMatchObject({ Protocol: 'email', Endpoint: 'oncall@example.com' });
    expect(resources('AWS::CloudWatch::Dashboard')).toHaveLength(1);
  });
});

describe('the health checks', () => {
  it('answer GET and HEAD on /healthz and /readyz with no authorizer and no header required, from the health function', () => {
    const health = methodsOf(template).filter(isHealthMethod);
    expect(health.map((method) => `${method.HttpMethod} /${method.pathPart}`).sort()).toEqual(healthMethodNames);
    for (const method of health) {
      expect(method.AuthorizationType).toBe('NONE');
      expect(method.AuthorizerId).toBeUndefined();
      // No Authorization header asked for: a checker sends none.
      expect(method.RequestParameters).toBeUndefined();
      expect(method.Integration.Type).toBe('AWS_PROXY');
      expect(JSON.stringify(method.Integration.Uri)).toMatch(/HealthFunction/);
    }
    // Only the resolve and management functions serve the routes behind the authorizer.
    for (const method of methodsOf(template).filter((method) => !isHealthMethod(method))) {
      expect(JSON.stringify(method.Integration.Uri)).not.toMatch(/HealthFunction/);
    }
  });

  it('run a function that may read the readiness key and nothing else', () => {
    const [, policy] = resources('AWS::IAM::Policy').find(([id]) => id.startsWith('HealthFunctionServiceRoleDefaultPolicy'))!;
    const statements = (policy.Properties.PolicyDocument.Statement as ParsedJson[]).filter((statement) =>
      [statement.Action].flat().some((action: string) => action.startsWith('dynamodb:')),
    );
    expect(statements).toHaveLength(1);
    const [statement] = statements;
    expect(statement.Action).toBe('dynamodb:GetItem');
    expect(statement.Effect).toBe('Allow');
    // The table alone (not its index), and of it only the partition where no record lives.
    expect(Array.isArray(statement.Resource)).toBe(false);
    expect(JSON.stringify(statement.Resource)).not.toContain('index');
    expect(statement.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [READINESS_PROBE_PARTITION] } });
    const actions = (policy.Properties.PolicyDocument.Statement as ParsedJson[]).flatMap((each) => [each.Action].flat() as string[]);
    expect(actions.filter((action) => !action.startsWith('xray:')).sort()).toEqual(['dynamodb:GetItem']);
  });

  it('are throttled apart, and their address is an output', () => {
    const [, stage] = resources('AWS::ApiGateway::Stage')[0]!;
    const settings = (stage.Properties.MethodSettings as ParsedJson[]).filter((setting) => /healthz|readyz/.test(setting.ResourcePath));
    expect(settings.map((setting) => `${setting.HttpMethod} ${setting.ResourcePath.replace('~1', '')}`).sort()).toEqual(healthMethodNames);
    for (const setting of settings) expect(setting).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    const output = template.findOutputs('ReadinessUrl').ReadinessUrl as ParsedJson;
    expect(JSON.stringify(output.Value)).toMatch(/readyz/);
    expect(JSON.stringify(output.Value)).toContain('ApiDeploymentStagev1');
  });
});

describe('the API’s own refusals', () => {
  it('answer problem+json, no-store, 401 with WWW-Authenticate for bad credentials', () => {
    const responses = resources('AWS::ApiGateway::GatewayResponse').map(([, response]) => response.Properties);
    const unauthorized = responses.find((response) => response.ResponseType === 'UNAUTHORIZED');
    expect(unauthorized).toMatchObject({
      StatusCode: '401',
      ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
    });
    for (const response of responses) expect(response.ResponseParameters['gatewayresponse.header.Cache-Control']).toBe("'no-store'");
    expect(JSON.parse(unauthorized.ResponseTemplates['application/json'])).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(responses.map((response) => response.ResponseType)).toEqual(
      expect.arrayContaining(['ACCESS_DENIED', 'BAD_REQUEST_PARAMETERS', 'THROTTLED', 'DEFAULT_5XX']),
    );
  });
});

const MUTUAL_TLS_CONTEXT = {
  mtlsDomainName: 'exum.contoso.com',
  mtlsCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
  mtlsTruststoreUri: 's3://contoso-truststores/exum/ca.pem',
};

describe('mutual TLS', () => {
  it('serves the API on the custom domain with the truststore, and turns the default endpoint off', () => {
    const mtlsOut = mkdtempSync(join(tmpdir(), 'cdk-test-'));
    try {
      const mtlsApp = new App({ outdir: mtlsOut, context: { 'aws:cdk:bundling-stacks': [], ...MUTUAL_TLS_CONTEXT } });
      const mtls = Template.fromStack(createExumStacks(mtlsApp).stateless);
      mtls.hasResourceProperties('AWS::ApiGateway::DomainName', {
        DomainName: 'exum.contoso.com',
        MutualTlsAuthentication: { TruststoreUri: 's3://contoso-truststores/exum/ca.pem' },
        SecurityPolicy: 'TLS_1_2',
      });
      mtls.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'exum-router', DisableExecuteApiEndpoint: true });
    } finally {
      rmSync(mtlsOut, { recursive: true, force: true });
    }
  });

  it('serves the health checks again on an API of their own, reachable without a client certificate, and nothing else there', () => {
    const mtlsOut = mkdtempSync(join(tmpdir(), 'cdk-test-'));
    try {
      const mtlsApp = new App({ outdir: mtlsOut, context: { 'aws:cdk:bundling-stacks': [], ...MUTUAL_TLS_CONTEXT } });
      const { stateless: mtlsStack } = createExumStacks(mtlsApp);
      const mtls = Template.fromStack(mtlsStack);
      const apis = Object.entries(mtls.findResources('AWS::ApiGateway::RestApi') as Record<string, { Properties: ParsedJson }>);
      const [healthApiId, healthApi] = apis.find(([, api]) => api.Properties.Name === 'exum-router-health')!;
      expect(healthApi.Properties.DisableExecuteApiEndpoint).toBeUndefined();
      // The custom domain (mutual TLS) maps the main API only.
      expect(JSON.stringify(mtls.findResources('AWS::ApiGateway::BasePathMapping'))).not.toContain(healthApiId);
      const onHealthApi = methodsOf(mtls).filter((method) => method.RestApiId.Ref === healthApiId);
      expect(onHealthApi.map((method) => `${method.HttpMethod} /${method.pathPart}`).sort()).toEqual(healthMethodNames);
      for (const method of onHealthApi) expect(method.AuthorizationType).toBe('NONE');
      // Gateways, which hold certificates, still find them on the custom domain.
      const onMainApi = methodsOf(mtls).filter((method) => method.RestApiId.Ref !== healthApiId);
      expect(onMainApi.filter(isHealthMethod)).toHaveLength(healthMethodNames.length);
      const output = mtls.findOutputs('ReadinessUrl').ReadinessUrl as ParsedJson;
      expect(JSON.stringify(output.Value)).toContain(healthApiId);
      expect(JSON.stringify(output.Value)).toMatch(/readyz/);
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
      createExumStacks(nagApp, { consoleAssetPath });
      Validations.of(nagApp).addPlugins(new AwsSolutionsChecks(nagApp));
      expect(() => nagApp.synth()).not.toThrow();
    } finally {
      rmSync(nagOut, { recursive: true, force: true });
    }
  });

  it('passes them with mutual TLS too (the health checks then have an API of their own)', async () => {
    const { Validations } = await import('aws-cdk-lib');
    const { AwsSolutionsChecks } = await import('cdk-nag');
    const nagOut = mkdtempSync(join(tmpdir(), 'cdk-test-'));
    try {
      const nagApp = new App({ outdir: nagOut, context: { 'aws:cdk:bundling-stacks': [], ...MUTUAL_TLS_CONTEXT } });
      createExumStacks(nagApp, { consoleAssetPath });
      Validations.of(nagApp).addPlugins(new AwsSolutionsChecks(nagApp));
      expect(() => nagApp.synth()).not.toThrow();
    } finally {
      rmSync(nagOut, { recursive: true, force: true });
    }
  });
});
