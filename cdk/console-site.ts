// The operator console in AWS: its build (dist/console/) in a private bucket, served by CloudFront
// together with the API, so that the console calls /v1/* on its own origin (no CORS, no cookies:
// a bearer token in the Authorization header). The security headers are the ones the local server
// sends too (lib/api/console-headers.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { RestApiOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { publicRoutes } from '../lib/api/api-routes.js';
import { CONSOLE_CONTENT_SECURITY_POLICY, CONSOLE_HSTS_MAX_AGE_SECONDS, CONSOLE_PERMISSIONS_POLICY } from '../lib/api/console-headers.js';

/** How the console is built into dist/console/ (npm ci runs it too, as prepare); named in the error when the build is missing. */
export const CONSOLE_BUILD_COMMAND = 'node bin/build.mjs';

/** Where the API's routes are; everything else is the console. */
export const CONSOLE_API_PATH_PATTERN = '/v1/*';

/** How long logs (the bucket's and CloudFront's) are kept: as long as the API's access logs. */
const LOG_RETENTION = Duration.days(90);

export interface ConsoleSiteProps {
  /** The API served beside the console: /v1/* and the health checks go to its stage. */
  api: RestApi;
  /** The console's build: a directory holding index.html and assets/ (dist/console/; tests pass a stand-in). */
  consoleAssetPath: string;
}

export class ConsoleSite extends Construct {
  readonly bucket: Bucket;
  readonly logs: Bucket;
  readonly distribution: Distribution;
  readonly responseHeadersPolicy: ResponseHeadersPolicy;
  /** https://<distribution domain>/ */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    assertBuilt(props.consoleAssetPath);

    // CloudFront's standard logs are delivered with an ACL (hence object writer); the console
    // bucket's server access logs by bucket policy. Neither is readable from outside the account.
    this.logs = new Bucket(this, 'Logs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: LOG_RETENTION }],
    });
    Validations.of(this.logs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: "It is the log bucket (the console bucket's server access logs and CloudFront's): logging it would log the logs",
    });

    // Private: only the distribution reads it (origin access control); no website hosting.
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 'console-bucket/',
    });

    this.responseHeadersPolicy = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'exum-router console: security headers (lib/api/console-headers.ts)',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: CONSOLE_CONTENT_SECURITY_POLICY, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(CONSOLE_HSTS_MAX_AGE_SECONDS),
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: { customHeaders: [{ header: 'Permissions-Policy', value: CONSOLE_PERMISSIONS_POLICY, override: true }] },
    });

    // Client-side routes (/tenants/acme) are answered with the console's page. Not with
    // errorResponses: those apply to the whole distribution, so a 404 or 403 from the API (a
    // missing tenant, a refused credential) would come back as index.html with 200. This function
    // runs on the default behaviour only, which /v1/* and the health checks never reach: a path
    // whose last segment has no dot is a route; a file (/assets/index-3f2a.js) is asked for as it is.
    const spaRoutes = new CloudFrontFunction(this, 'SpaRoutes', {
      comment: 'exum-router console: client-side routes to /index.html',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(
        [
          'function handler(event) {',
          '  var request = event.request;',
          "  var last = request.uri.substring(request.uri.lastIndexOf('/') + 1);",
          "  if (last.indexOf('.') === -1) request.uri = '/index.html';",
          '  return request;',
          '}',
        ].join('\n'),
      ),
    });

    // The API through CloudFront: nothing cached; every method; every viewer header but Host (API
    // Gateway answers only to its own host name), so Authorization and the query string reach it
    // (a managed all-viewer policy may forward Authorization, which a custom one may not list).
    // HTTPS only, not a redirect: a redirected POST loses its body, and its token already went in clear.
    // The API's routes are /v1/... on its stage v1: RestApiOrigin's origin path is the stage, so
    // /v1/tenants here is /v1/v1/tenants on the execute-api host, as it is for callers there.
    const apiBehavior: BehaviorOptions = {
      origin: new RestApiOrigin(props.api),
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: this.responseHeadersPolicy,
      compress: true,
    };

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'exum-router operator console and its API',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeadersPolicy,
        functionAssociations: [{ eventType: FunctionEventType.VIEWER_REQUEST, function: spaRoutes }],
        compress: true,
      },
      additionalBehaviors: {
        [CONSOLE_API_PATH_PATTERN]: apiBehavior,
        ...Object.fromEntries(publicRoutes.map((route) => [route.path, apiBehavior])),
      },
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Operators sign in from wherever they are; every API call needs a bearer credential, whatever its country',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          "The web ACL is the deploying organisation's own (a CLOUDFRONT-scope ACL lives in us-east-1; associate it to the distribution), as for the API's stage",
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          "No custom domain: the distribution has CloudFront's default *.cloudfront.net certificate, whose security policy (TLSv1) cannot be raised without a custom domain and certificate; the API origin is reached with TLS 1.2 only",
      },
    );

    this.deploy(props.consoleAssetPath);
    this.url = `https://${this.distribution.distributionDomainName}/`;
  }

  /**
   * Two deployments of the same build. The hashed files under assets/ are immutable: cached for a
   * year and never pruned, so a page loaded before a deployment still finds its chunks. Everything
   * else (index.html) is revalidated on every load and pruned, and deployed after the assets, so
   * a new index.html never names a chunk that is not there yet.
   */
  private deploy(consoleAssetPath: string): void {
    const build = Source.asset(consoleAssetPath);
    const assets = new BucketDeployment(this, 'DeployAssets', {
      sources: [build],
      destinationBucket: this.bucket,
      exclude: ['*'],
      include: ['assets/*'],
      prune: false,
      cacheControl: [CacheControl.fromString('public, max-age=31536000, immutable')],
      outputObjectKeys: false,
    });
    const pages = new BucketDeployment(this, 'DeployPages', {
      sources: [build],
      destinationBucket: this.bucket,
      exclude: ['assets/*'],
      prune: true,
      cacheControl: [CacheControl.noCache()],
      outputObjectKeys: false,
    });
    pages.node.addDependency(assets);

    // BucketDeployment's function is one per stack, beside this construct: acknowledge on it.
    const handler = Stack.of(this).node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (handler === undefined) throw new Error("BucketDeployment's function was not found where aws-cdk-lib puts it");
    Validations.of(handler).acknowledge(
      { id: 'AwsSolutions-L1', reason: "aws-cdk-lib's BucketDeployment function: its runtime is the one aws-cdk-lib ships it for" },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "aws-cdk-lib's BucketDeployment function: AWS's policy for writing its own logs",
      },
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: "aws-cdk-lib's BucketDeployment function: it reads the console's build from the CDK asset bucket",
      })),
      {
        // The bootstrap's asset bucket, with the default qualifier.
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        reason: "aws-cdk-lib's BucketDeployment function: the build's zip is one object of the CDK asset bucket",
      },
      ...['s3:DeleteObject*', 's3:Abort*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: "aws-cdk-lib's BucketDeployment function: it replaces and prunes the console's files in the console bucket",
      })),
      {
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>/*]`,
        reason: "aws-cdk-lib's BucketDeployment function: every key of the console bucket is a file of the console it deploys",
      },
    );
  }
}

/** The console must be built before it is deployed: say how, rather than deploy an empty site. */
function assertBuilt(consoleAssetPath: string): void {
  if (existsSync(join(consoleAssetPath, 'index.html')) && existsSync(join(consoleAssetPath, 'assets'))) return;
  throw new Error(
    `The operator console is not built: ${join(consoleAssetPath, 'index.html')} or ${join(consoleAssetPath, 'assets')}/ is missing. ` +
      `Build it first (${CONSOLE_BUILD_COMMAND}), or synthesize without the console (-c console=false).`,
  );
}
