// The console's stack: a private bucket behind CloudFront with origin access control, the API
// beside it under /v1/*, the console's security headers on every answer. Synthesized from a
// stand-in build (test/support/console-build.ts): the real console need not be built.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CachePolicy, OriginRequestPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { CONSOLE_BUILD_COMMAND } from '../../cdk/console-site.js';
import { createExumStacks } from '../../cdk/stacks.js';
import { publicRoutes } from '../../lib/api/api-routes.js';
import { CONSOLE_SECURITY_HEADERS } from '../../lib/api/console-headers.js';
import { fakeConsoleBuild, removeConsoleBuild } from '../support/console-build.js';
import type { ParsedJson } from '../support/json.js';

const consoleAssetPath = fakeConsoleBuild();
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
  removeConsoleBuild(consoleAssetPath);
});

/** An app as `cdk synth` builds it (functions not bundled: these tests read the console's stack). */
function newApp(context: Record<string, unknown> = {}): App {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-test-'));
  outdirs.push(outdir);
  return new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } });
}

const { console: consoleStack } = createExumStacks(newApp(), { consoleAssetPath });
const template = Template.fromStack(consoleStack!);
const resources = (type: string) => Object.entries(template.findResources(type)) as [string, { Properties: ParsedJson }][];
const single = (type: string) => {
  const found = resources(type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};
const [distributionId, distribution] = single('AWS::CloudFront::Distribution');
const config = distribution.Properties.DistributionConfig;
const behaviour = (pattern: string) => (config.CacheBehaviors as ParsedJson[]).find((each) => each.PathPattern === pattern);
const originOf = (b: ParsedJson) => (config.Origins as ParsedJson[]).find((origin) => origin.Id === b.TargetOriginId);

/** Evaluates the few intrinsic functions an origin's address is made of, with imports and Refs named. */
function evaluate(value: ParsedJson): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) throw new Error('a list where a string was expected');
  const [fn, args] = Object.entries(value as Record<string, ParsedJson>)[0]!;
  if (fn === 'Fn::Join') return (args[1] as ParsedJson[]).map(evaluate).join(args[0]);
  if (fn === 'Fn::Select') return (args[1]['Fn::Split'] ? evaluateSplit(args[1]) : [])[args[0]]!;
  if (fn === 'Fn::ImportValue') return /Stage/.test(args) ? 'v1' : 'API-ID';
  if (fn === 'Ref') return `<${args}>`;
  throw new Error(`cannot evaluate ${fn}`);
}
const evaluateSplit = (split: ParsedJson): string[] => evaluate(split['Fn::Split'][1]).split(split['Fn::Split'][0]);

describe('the console bucket', () => {
  it('is private, encrypted, TLS-only, logged, and no website', () => {
    const [bucketId, bucket] = resources('AWS::S3::Bucket').find(([, each]) => each.Properties.LoggingConfiguration !== undefined)!;
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    expect(bucket.Properties.WebsiteConfiguration).toBeUndefined();
    const policy = resources('AWS::S3::BucketPolicy').find(([, each]) => each.Properties.Bucket.Ref === bucketId)![1];
    const statements = policy.Properties.PolicyDocument.Statement as ParsedJson[];
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    // Read by this distribution only, through origin access control; nobody else is allowed anything.
    const allowed = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allowed).toHaveLength(1);
    expect(allowed[0]).toMatchObject({ Action: 's3:GetObject', Principal: { Service: 'cloudfront.amazonaws.com' } });
    expect(JSON.stringify(allowed[0].Condition.StringEquals['AWS:SourceArn'])).toContain(`{"Ref":"${distributionId}"}`);
  });

  it('is the default origin, reached through an origin access control that signs every request', () => {
    const [oacId, oac] = single('AWS::CloudFront::OriginAccessControl');
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' });
    const origin = originOf(config.DefaultCacheBehavior)!;
    expect(origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oacId, 'Id'] });
    expect(origin.S3OriginConfig.OriginAccessIdentity).toBe('');
  });

  it('receives the build in two deployments: assets immutable and kept, the page revalidated, after them', () => {
    const deployments = resources('Custom::CDKBucketDeployment');
    expect(deployments).toHaveLength(2);
    const [assetsId, assets] = deployments.find(([, each]) => each.Properties.Include !== undefined)!;
    const [, pages] = deployments.find(([, each]) => each.Properties.Include === undefined)!;
    expect(assets.Properties).toMatchObject({
      Include: ['assets/*'],
      Exclude: ['*'],
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
    expect(pages.Properties).toMatchObject({ Exclude: ['assets/*'], Prune: true, SystemMetadata: { 'cache-control': 'no-cache' } });
    expect(template.toJSON().Resources[deployments.find(([, each]) => each === pages)![0]].DependsOn).toContain(assetsId);
  });
});

describe('the distribution', () => {
  it('serves the console over HTTPS from index.html, with no error pages that would rewrite the API’s errors', () => {
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior).toMatchObject({ ViewerProtocolPolicy: 'redirect-to-https', AllowedMethods: ['GET', 'HEAD'] });
    expect(config.CustomErrorResponses).toBeUndefined();
    expect(config.Logging.Prefix).toBe('cloudfront/');
  });

  it('answers client-side routes with /index.html, and files as they are asked for', () => {
    const [functionId, fn] = single('AWS::CloudFront::Function');
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
    ]);
    // Run as CloudFront runs it: the function's code alone, its handler called with the viewer's request.
    const handler = runInNewContext(`${fn.Properties.FunctionCode as string}\nhandler;`) as (event: ParsedJson) => { uri: string };
    const rewrite = (uri: string) => handler({ request: { uri, headers: {} } }).uri;
    expect(rewrite('/')).toBe('/index.html');
    expect(rewrite('/tenants')).toBe('/index.html');
    expect(rewrite('/tenants/acme/users/')).toBe('/index.html');
    expect(rewrite('/assets/index-0a1b2c3d.js')).toBe('/assets/index-0a1b2c3d.js');
    expect(rewrite('/favicon.ico')).toBe('/favicon.ico');
    // The API's paths have behaviours of their own, where the function does not run.
    for (const pattern of ['/v1/*', ...publicRoutes.map((route) => route.path)])
      expect(behaviour(pattern)!.FunctionAssociations, pattern).toBeUndefined();
  });

  it('sends /v1/* and the health checks to the API’s stage: every method, nothing cached, every header but Host', () => {
    for (const pattern of ['/v1/*', '/healthz', '/readyz']) {
      const api = behaviour(pattern)!;
      expect(api, pattern).toMatchObject({
        ViewerProtocolPolicy: 'https-only',
        CachePolicyId: CachePolicy.CACHING_DISABLED.cachePolicyId,
        OriginRequestPolicyId: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
      });
      expect([...(api.AllowedMethods as string[])].sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
      const origin = originOf(api)!;
      expect(origin.CustomOriginConfig).toEqual({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
      // /v1/tenants here is /v1 (the stage) + /v1/tenants (the route) on the API's own host.
      expect(evaluate(origin.DomainName)).toBe('API-ID.execute-api.<AWS::Region>.<AWS::URLSuffix>');
      expect(evaluate(origin.OriginPath)).toBe('/v1');
    }
  });

  it('puts the console’s security headers on every answer, API answers included', () => {
    const [policyId, policy] = single('AWS::CloudFront::ResponseHeadersPolicy');
    for (const b of [config.DefaultCacheBehavior, ...(config.CacheBehaviors as ParsedJson[])])
      expect(b.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    const { SecurityHeadersConfig: security, CustomHeadersConfig: custom } = policy.Properties.ResponseHeadersPolicyConfig;
    const csp = security.ContentSecurityPolicy.ContentSecurityPolicy as string;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp.split(';').find((directive) => directive.trim().startsWith('script-src'))).toBe(" script-src 'self'");
    expect(security.StrictTransportSecurity).toEqual({
      AccessControlMaxAgeSec: 63_072_000,
      IncludeSubdomains: true,
      Preload: true,
      Override: true,
    });
    // The headers CloudFront sends, as the local server sends them (lib/api/console-headers.ts).
    const sent: Record<string, string> = {
      'Content-Security-Policy': csp,
      'Strict-Transport-Security': `max-age=${security.StrictTransportSecurity.AccessControlMaxAgeSec}; includeSubDomains; preload`,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': security.FrameOptions.FrameOption,
      'Referrer-Policy': security.ReferrerPolicy.ReferrerPolicy,
      ...Object.fromEntries((custom.Items as ParsedJson[]).map((item) => [item.Header, item.Value])),
    };
    expect(sent).toEqual(CONSOLE_SECURITY_HEADERS);
    for (const setting of [
      security.ContentSecurityPolicy,
      security.StrictTransportSecurity,
      security.ContentTypeOptions,
      security.FrameOptions,
      security.ReferrerPolicy,
      ...(custom.Items as ParsedJson[]),
    ])
      expect(setting.Override).toBe(true);
  });

  it('gives its address as the ConsoleUrl output', () => {
    const output = template.findOutputs('ConsoleUrl').ConsoleUrl as ParsedJson;
    expect(output.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']] });
  });
});

describe('when there is no console', () => {
  it('refuses to synthesize without a build, and says how to build it or leave it out', () => {
    const missing = join(consoleAssetPath, 'not-built');
    expect(() => createExumStacks(newApp(), { consoleAssetPath: missing })).toThrow(
      new RegExp(`${join(missing, 'index.html')}.*${CONSOLE_BUILD_COMMAND.replaceAll('.', '\\.')}.*-c console=false`),
    );
  });

  it('leaves the console out with -c console=false, without asking for a build', () => {
    const { console: none, stateless } = createExumStacks(newApp({ console: 'false' }), { consoleAssetPath: '/nonexistent' });
    expect(none).toBeUndefined();
    expect(stateless.api).toBeDefined();
  });

  it('has no console with mutual TLS, where CloudFront could not present a client certificate to the API', () => {
    const app = newApp({
      mtlsDomainName: 'exum.contoso.com',
      mtlsCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      mtlsTruststoreUri: 's3://contoso-truststores/exum/ca.pem',
    });
    const { console: none, stateless } = createExumStacks(app, { consoleAssetPath });
    expect(none).toBeUndefined();
    expect(app.node.children.map((child) => child.node.id).sort()).toEqual(['ExumRouter', 'ExumRouterStateful']);
    const info = stateless.node.metadata.filter((entry) => entry.type === 'aws:cdk:info').map((entry) => String(entry.data));
    expect(info.join('\n')).toMatch(/No operator console with mutual TLS/);
  });
});

describe('cdk-nag', () => {
  it('passes the AwsSolutions checks on the console’s stack: every finding fixed or acknowledged with a reason', () => {
    const app = newApp();
    createExumStacks(app, { consoleAssetPath });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
