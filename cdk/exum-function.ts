// One construct for every Lambda of the service: bundled by esbuild (ESM, minified, source
// maps), on the latest Node.js runtime (24) and arm64, JSON logs with bounded retention, X-Ray
// tracing; and table access granted (only the actions the function needs) in the same place the
// variable naming the table is set, so the two cannot drift.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, LoggingFormat, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { READINESS_PROBE_PARTITION } from '../lib/store/readiness.js';
import { tableDefinition } from '../lib/store/table.js';
import { ESM_BANNER } from './bundling.js';
import { LAMBDA_RUNTIME, NODE_MAJOR } from './node-runtime.js';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';

/** The DynamoDB actions each kind of function needs, and no more (transactions need the actions they contain). */
export const TABLE_ACCESS = {
  /** The health function: one GetItem, of the readiness partition only (the statement's condition below). */
  readiness: ['dynamodb:GetItem'],
  authorize: ['dynamodb:GetItem'],
  resolve: ['dynamodb:GetItem', 'dynamodb:Query'],
  manage: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
  ],
  process: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
    'dynamodb:BatchWriteItem',
  ],
} as const;

export type TableAccess = keyof typeof TABLE_ACCESS;

export interface ExumFunctionProps {
  /** The entry file under functions/, without extension. */
  entry: string;
  description: string;
  table: ITableV2;
  tableAccess: TableAccess;
  timeout?: Duration;
  memorySize?: number;
  environment?: Record<string, string>;
}

export class ExumFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: ExumFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.fn = new NodejsFunction(this, 'Function', {
      entry: fileURLToPath(new URL(`../functions/${props.entry}.ts`, import.meta.url)),
      handler: 'handler',
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      environment: {
        TABLE_NAME: props.table.tableName,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: `node${NODE_MAJOR}`,
        banner: ESM_BANNER,
        // Everything is bundled (the SDK included): the version we test is the version we run.
        externalModules: [],
      },
    });
    // The table and its one index by name: no wildcard resources, only the actions needed.
    this.fn.addToRolePolicy(
      props.tableAccess === 'readiness'
        ? // Anyone can make the health function run: it may read the readiness partition, where no record lives, and nothing else.
          new PolicyStatement({
            actions: [...TABLE_ACCESS.readiness],
            resources: [props.table.tableArn],
            conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [READINESS_PROBE_PARTITION] } },
          })
        : new PolicyStatement({
            actions: [...TABLE_ACCESS[props.tableAccess]],
            resources: [props.table.tableArn, `${props.table.tableArn}/index/${tableDefinition.listIndex.name}`],
          }),
    );
    Validations.of(this.fn.role!).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'Lets the function write its own CloudWatch logs, nothing else',
      },
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray PutTraceSegments/PutTelemetryRecords accept only Resource "*"' },
    );
  }
}
