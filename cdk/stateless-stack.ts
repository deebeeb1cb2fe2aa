// The stateless part: the functions, the REST API (every route of the route table, behind the
// bearer-token authorizer, and the public health checks without it), the stream's event source
// mapping, the provisioning path, and the alarms and dashboard an operator needs at 3 a.m.
import { Arn, ArnFormat, CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  ResponseType,
  RestApi,
  SecurityPolicy,
  type IResource,
  type MethodDeploymentOptions,
} from 'aws-cdk-lib/aws-apigateway';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { functionRoutes, publicRoutes } from '../lib/api/api-routes.js';
import type { AnyRoute } from '../lib/api/route.js';
import { REVOCATION_BOUND_MS } from '../lib/auth/credential-cache.js';
import { STREAM_EVENT_SOURCE, STREAM_PROCESSOR_TIMEOUT_SECONDS } from '../lib/provider-events/delivery-bounds.js';
import { ExumFunction } from './exum-function.js';

const PROVIDER_SECRETS_PREFIX = 'exum-router';

/** The health checks answer HEAD as GET: some load balancers ask with HEAD. */
const HEALTH_METHODS = ['GET', 'HEAD'] as const;
/**
 * Per health method: far above what checkers send (Route 53's checkers together send one every few
 * seconds per health check, a load balancer a few a minute per node), low enough that a flood of
 * unauthenticated requests costs little (each is an invocation and, for /readyz, one read).
 */
const HEALTH_THROTTLING: MethodDeploymentOptions = { throttlingRateLimit: 50, throttlingBurstLimit: 100 };

export interface StatelessStackProps extends StackProps {
  table: TableV2;
  provisioningQueue: Queue;
  provisioningDeadLetters: Queue;
  streamFailures: Queue;
  /** Optional custom domain with mutual TLS: the default endpoint is then disabled. */
  mutualTls?: { domainName: string; certificateArn: string; truststoreUri: string; truststoreVersion?: string };
  alarmEmail?: string;
  /** Ports besides 443 providers' event endpoints may name (-c providerAllowedPorts=8443); none by default. */
  providerAllowedPorts?: readonly number[];
}

export class StatelessStack extends Stack {
  readonly functions: Record<'management' | 'resolve' | 'authorizer' | 'streamProcessor' | 'provisioning' | 'health', ExumFunction>;
  readonly api: RestApi;
  /** With mutual TLS only: the health checks on an API of their own, which checkers reach without a client certificate. */
  readonly healthApi: RestApi | undefined;
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { table } = props;

    this.functions = {
      management: new ExumFunction(this, 'Management', {
        entry: 'management-api',
        description: 'exum-router management API',
        table,
        tableAccess: 'manage',
      }),
      resolve: new ExumFunction(this, 'Resolve', {
        entry: 'resolve',
        description: 'exum-router POST /v1/resolve (gateways)',
        table,
        tableAccess: 'resolve',
        timeout: Duration.seconds(3),
      }),
      authorizer: new ExumFunction(this, 'Authorizer', {
        entry: 'authorizer',
        description: 'exum-router bearer-token authorizer',
        table,
        tableAccess: 'authorize',
        timeout: Duration.seconds(3),
      }),
      streamProcessor: new ExumFunction(this, 'StreamProcessor', {
        entry: 'stream-processor',
        description: 'exum-router stream: audit, migrations, provider events',
        table,
        tableAccess: 'process',
        timeout: Duration.seconds(STREAM_PROCESSOR_TIMEOUT_SECONDS),
      }),
      provisioning: new ExumFunction(this, 'Provisioning', {
        entry: 'provisioning',
        description: 'exum-router provisioning events',
        table,
        tableAccess: 'process',
        timeout: Duration.seconds(30),
      }),
      health: new ExumFunction(this, 'Health', {
        entry: 'health',
        description: 'exum-router GET /healthz and /readyz (health checks, no credential)',
        table,
        tableAccess: 'readiness',
        timeout: Duration.seconds(3),
      }),
    };

    this.grantProviderSecrets();
    // The endpoint rules (lib/domain/endpoint-rules.ts): the management API checks an endpoint when
    // it is written, the stream processor again at each delivery; both with the same allowed ports.
    for (const fn of [this.functions.management, this.functions.streamProcessor])
      fn.fn.addEnvironment('EXUM_PROVIDER_ALLOWED_PORTS', (props.providerAllowedPorts ?? []).join(','));
    this.api = this.createApi(props);
    this.healthApi = props.mutualTls === undefined ? undefined : this.createHealthApi(this.api);
    // What to point a load balancer or a DNS health check at (docs/deploy.md, docs/operations.md).
    new CfnOutput(this, 'ReadinessUrl', { value: `${(this.healthApi ?? this.api).url}readyz` });
    this.wireStream(props);
    this.wireProvisioning(props);
    this.alarmTopic = new Topic(this, 'Alarms', { displayName: 'exum-router alarms', enforceSSL: true });
    if (props.alarmEmail !== undefined) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.createAlarms(props);
    this.createDashboard();
  }

  /**
   * Providers' signing secrets live in Secrets Manager under exum-router/: the management API
   * writes them, the stream processor reads them, nothing else touches them.
   */
  private grantProviderSecrets(): void {
    const secrets = Arn.format(
      {
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: `${PROVIDER_SECRETS_PREFIX}/*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      this,
    );
    const grant = (fn: ExumFunction, actions: string[]) => {
      fn.fn.addEnvironment('PROVIDER_SECRETS_PREFIX', PROVIDER_SECRETS_PREFIX);
      fn.fn.addToRolePolicy(new PolicyStatement({ actions, resources: [secrets] }));
      Validations.of(fn.fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${PROVIDER_SECRETS_PREFIX}/*]`,
        reason: 'One secret per provider, named by tenant and provider under the service prefix',
      });
    };
    grant(this.functions.management, ['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:DeleteSecret']);
    grant(this.functions.streamProcessor, ['secretsmanager:GetSecretValue']);
  }

  private createApi(props: StatelessStackProps): RestApi {
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.THREE_MONTHS });
    const api = new RestApi(this, 'Api', {
      restApiName: 'exum-router',
      description: 'exum-router: voicemail routing for split SIP domains',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: true,
      disableExecuteApiEndpoint: props.mutualTls !== undefined,
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        throttlingRateLimit: 2000,
        throttlingBurstLimit: 4000,
        methodOptions: { '/v1/resolve/POST': { throttlingRateLimit: 5000, throttlingBurstLimit: 10000 }, ...healthThrottling() },
      },
    });
    if (props.mutualTls !== undefined) {
      api.addDomainName('MutualTlsDomain', {
        domainName: props.mutualTls.domainName,
        certificate: Certificate.fromCertificateArn(this, 'DomainCertificate', props.mutualTls.certificateArn),
        securityPolicy: SecurityPolicy.TLS_1_2,
        mtls: {
          bucket: Bucket.fromBucketName(this, 'Truststore', parseTruststore(props.mutualTls.truststoreUri).bucket),
          key: parseTruststore(props.mutualTls.truststoreUri).key,
          ...(props.mutualTls.truststoreVersion === undefined ? {} : { version: props.mutualTls.truststoreVersion }),
        },
      });
    }

    // The same credential check as the local server; results cached per token for the revocation
    // bound (5 s): a revoked credential is refused everywhere within it (docs/reliability.md).
    const authorizer = new RequestAuthorizer(this, 'BearerAuthorizer', {
      handler: this.functions.authorizer.fn,
      identitySources: [IdentitySource.header('Authorization')],
      resultsCacheTtl: Duration.millis(REVOCATION_BOUND_MS),
    });
    const integrations = {
      resolve: new LambdaIntegration(this.functions.resolve.fn, { proxy: true }),
      management: new LambdaIntegration(this.functions.management.fn, { proxy: true }),
    };
    // Parameters here; bodies are validated by the handlers' zod schemas, which name the field.
    const validator = api.addRequestValidator('Requests', { validateRequestParameters: true, validateRequestBody: true });
    for (const [name, routes] of Object.entries(functionRoutes) as ['resolve' | 'management', readonly AnyRoute[]][]) {
      for (const route of routes) {
        const resource = resourceFor(api.root, route.path);
        const pathParameters = [...route.path.matchAll(/\{([A-Za-z]+)\}/g)].map((match) => match[1]!);
        resource.addMethod(route.method, integrations[name], {
          authorizer,
          requestValidator: validator,
          requestParameters: {
            'method.request.header.Authorization': true,
            ...Object.fromEntries(pathParameters.map((parameter) => [`method.request.path.${parameter}`, true])),
          },
        });
      }
    }
    this.addHealthMethods(api);
    addProblemResponses(api);
    new CfnOutput(this, 'ApiUrl', { value: api.url });
    Validations.of(api).acknowledge(
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Callers are SIP gateways, providers and tools with bearer credentials: every method but the health checks uses the Lambda REQUEST authorizer (and, with a custom domain, mutual TLS), not Cognito users',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason: "The web ACL is the deploying organisation's own (associate it to the stage); the API throttles per stage and per method",
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: "API Gateway's account-level CloudWatch role, with the policy AWS provides for it",
      },
    );
    return api;
  }

  /**
   * GET and HEAD /healthz and /readyz, the public routes: no authorizer, and no Authorization header
   * asked for (checkers send none; one sent anyway is not looked at). Throttled apart.
   */
  private addHealthMethods(api: RestApi): void {
    const integration = new LambdaIntegration(this.functions.health.fn, { proxy: true });
    for (const route of publicRoutes) {
      const resource = resourceFor(api.root, route.path);
      for (const method of HEALTH_METHODS) {
        const created = resource.addMethod(method, integration, { authorizationType: AuthorizationType.NONE });
        Validations.of(created).acknowledge(
          {
            id: 'AwsSolutions-APIG4',
            reason: `A health check (${route.path}) for load balancers and DNS health checks, which send no credential: it answers ok, ready or 503 and nothing else, its function may read one key where no record lives, and it is throttled apart`,
          },
          {
            id: 'AwsSolutions-COG4',
            reason: `A health check (${route.path}): public on purpose (lib/api/api-routes.ts publicRoutes), so no authorizer of any kind`,
          },
        );
      }
    }
  }

  /**
   * With mutual TLS, the API's custom domain asks every caller for a client certificate and its
   * execute-api endpoint is off: a health checker (Route 53, a load balancer) has no certificate to
   * present. The health checks are served again on an API of their own, whose execute-api endpoint
   * stays on; it holds nothing else (docs/deploy.md).
   */
  private createHealthApi(api: RestApi): RestApi {
    const healthApi = new RestApi(this, 'HealthApi', {
      restApiName: 'exum-router-health',
      description: 'exum-router health checks (GET /healthz, /readyz) for checkers without a client certificate',
      endpointTypes: [EndpointType.REGIONAL],
      // The account's API Gateway logging role is the main API's (one per account and region).
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        accessLogDestination: new LogGroupLogDestination(
          new LogGroup(this, 'HealthApiAccessLogs', { retention: RetentionDays.THREE_MONTHS }),
        ),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        ...HEALTH_THROTTLING,
      },
    });
    // Its stage logs through the account's role, which the main API sets: after it.
    healthApi.deploymentStage.node.addDependency(api.deploymentStage);
    this.addHealthMethods(healthApi);
    addProblemResponses(healthApi);
    Validations.of(healthApi).acknowledge(
      { id: 'AwsSolutions-APIG2', reason: 'Its two health checks take no parameters and no body: there is nothing to validate' },
      {
        id: 'AwsSolutions-APIG3',
        reason: "The web ACL is the deploying organisation's own (associate it to the stage); the stage is throttled",
      },
    );
    return healthApi;
  }

  /** The stream's bounds are set in lib/provider-events/delivery-bounds.ts, which lists every bound of a provider event's way. */
  private wireStream(props: StatelessStackProps): void {
    this.functions.streamProcessor.fn.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: STREAM_EVENT_SOURCE.batchSize,
        maxBatchingWindow: Duration.seconds(STREAM_EVENT_SOURCE.maxBatchingWindowSeconds),
        parallelizationFactor: STREAM_EVENT_SOURCE.parallelizationFactor,
        reportBatchItemFailures: true,
        bisectBatchOnError: STREAM_EVENT_SOURCE.bisectBatchOnError,
        retryAttempts: STREAM_EVENT_SOURCE.retryAttempts,
        maxRecordAge: Duration.hours(STREAM_EVENT_SOURCE.maxRecordAgeHours),
        onFailure: new SqsDlq(props.streamFailures),
      }),
    );
  }

  private wireProvisioning(props: StatelessStackProps): void {
    this.functions.provisioning.fn.addEventSource(
      new SqsEventSource(props.provisioningQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );
  }

  private createAlarms(props: StatelessStackProps): void {
    const action = new SnsAction(this.alarmTopic);
    const alarm = (id: string, metric: IMetric, threshold: number, description: string, evaluationPeriods = 1) => {
      new Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }).addAlarmAction(action);
    };
    for (const [name, { fn }] of Object.entries(this.functions)) {
      alarm(`${name}Errors`, fn.metricErrors({ period: Duration.minutes(1) }), 1, `${name}: function errors`, 3);
      alarm(`${name}Throttles`, fn.metricThrottles({ period: Duration.minutes(1) }), 1, `${name}: throttled invocations`);
    }
    alarm(
      'StreamIteratorAge',
      this.functions.streamProcessor.fn.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }),
      60_000,
      'stream processor more than a minute behind',
      5,
    );
    alarm(
      'StreamFailuresDepth',
      props.streamFailures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      1,
      'stream batches given up on (see docs/operations.md)',
    );
    alarm(
      'ProvisioningDeadLettersDepth',
      props.provisioningDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      1,
      'provisioning messages dead-lettered by the queue',
    );
    const requests = this.api.metricCount({ period: Duration.minutes(1) });
    const errors = this.api.metricServerError({ period: Duration.minutes(1) });
    alarm(
      'Api5xxRate',
      new MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: { requests, errors },
        period: Duration.minutes(1),
        label: '5xx %',
      }),
      1,
      'API answers 5xx to more than 1% of requests',
      3,
    );
    alarm('ApiLatencyP99', this.api.metricLatency({ statistic: 'p99', period: Duration.minutes(1) }), 1000, 'API p99 latency above 1 s', 5);
    alarm(
      'TableThrottles',
      props.table.metricThrottledRequestsForOperations({
        operations: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem'] as never,
        period: Duration.minutes(1),
      }),
      1,
      'DynamoDB throttled requests',
      3,
    );
  }

  private createDashboard(): void {
    const resolve = this.functions.resolve.fn;
    new Dashboard(this, 'ResolveDashboard', {
      dashboardName: 'exum-router-resolve',
      widgets: [
        [
          new GraphWidget({
            title: 'Resolutions and errors',
            left: [resolve.metricInvocations(), resolve.metricErrors(), resolve.metricThrottles()],
          }),
          new GraphWidget({
            title: 'Resolve duration (p50, p99)',
            left: [resolve.metricDuration({ statistic: 'p50' }), resolve.metricDuration({ statistic: 'p99' })],
          }),
          new GraphWidget({ title: 'API 4xx / 5xx', left: [this.api.metricClientError(), this.api.metricServerError()] }),
          new GraphWidget({
            title: 'API latency (p99)',
            left: [this.api.metricLatency({ statistic: 'p99' }), this.api.metricIntegrationLatency({ statistic: 'p99' })],
          }),
        ],
      ],
    });
  }
}

/** Method options of the health methods, by API Gateway's key (/healthz/GET): throttled apart. */
function healthThrottling(): Record<string, MethodDeploymentOptions> {
  return Object.fromEntries(
    publicRoutes.flatMap((route) => HEALTH_METHODS.map((method) => [`${route.path}/${method}`, HEALTH_THROTTLING])),
  );
}

/** API Gateway's own refusals speak problem+json too, like everything else the API answers. */
function addProblemResponses(api: RestApi): void {
  const problem = (type: ResponseType, status: number, code: string, title: string, extraHeaders: Record<string, string> = {}) =>
    api.addGatewayResponse(`Problem${type.responseType}`, {
      type,
      statusCode: String(status),
      // no-store, as the service's own problems: no cache keeps a refusal (docs/gateways.md, "Caching contract").
      responseHeaders: { 'Content-Type': "'application/problem+json'", 'Cache-Control': "'no-store'", ...extraHeaders },
      templates: {
        'application/json': JSON.stringify({
          type: `https://exum-router.dev/problems/${code}`,
          title,
          status,
          detail: title,
          code,
          errors: [],
          instance: '$context.path',
        }),
      },
    });
  problem(ResponseType.UNAUTHORIZED, 401, 'unauthenticated', 'A valid bearer credential is required', {
    'WWW-Authenticate': '\'Bearer realm="exum-router"\'',
  });
  problem(ResponseType.ACCESS_DENIED, 401, 'unauthenticated', 'A valid bearer credential is required');
  problem(ResponseType.BAD_REQUEST_PARAMETERS, 400, 'validation-failed', 'A required header or path parameter is missing');
  problem(ResponseType.MISSING_AUTHENTICATION_TOKEN, 404, 'route-not-found', 'No such route');
  problem(ResponseType.THROTTLED, 429, 'throttled', 'Too many requests: retry with backoff', { 'Retry-After': "'1'" });
  problem(ResponseType.DEFAULT_5XX, 503, 'store-unavailable', 'Temporarily unavailable', { 'Retry-After': "'1'" });
}

/** API Gateway resources for a route path, created once and shared by the routes under them. */
function resourceFor(root: IResource, path: string): IResource {
  let resource = root;
  for (const segment of path.split('/').filter((part) => part !== ''))
    resource = resource.getResource(segment) ?? resource.addResource(segment);
  return resource;
}

/** s3://bucket/key of a truststore. */
function parseTruststore(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (match === null) throw new Error(`truststoreUri must be s3://bucket/key, not ${uri}`);
  return { bucket: match[1]!, key: match[2]! };
}
