// The stateful part of the deployment: the table (deployed from the same definition the local
// server and the tests create, lib/store/table.ts), the provisioning event bus, and the queues
// that hold messages. Protected against deletion; kept when the stack goes.
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, StreamViewType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PROVISIONING_EVENT_TYPES } from '../lib/provisioning/provisioning-events.js';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { tableDefinition } from '../lib/store/table.js';

export class StatefulStack extends Stack {
  readonly table: TableV2;
  readonly provisioningBus: EventBus;
  readonly provisioningQueue: Queue;
  readonly provisioningDeadLetters: Queue;
  /** Where the stream's event source mapping sends what it could not process (metadata only). */
  readonly streamFailures: Queue;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const { partitionKey, sortKey, listIndex, timeToLiveAttribute } = tableDefinition;
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: partitionKey, type: AttributeType.STRING },
      sortKey: { name: sortKey, type: AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: listIndex.name,
          partitionKey: { name: listIndex.partitionKey, type: AttributeType.STRING },
          sortKey: { name: listIndex.sortKey, type: AttributeType.STRING },
        },
      ],
      billing: Billing.onDemand(),
      dynamoStream: StreamViewType[tableDefinition.streamViewType],
      timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.provisioningBus = new EventBus(this, 'ProvisioningBus', {
      description: 'exum-router provisioning events (user, contact, migration)',
    });
    const queue = (name: string, retention: Duration) =>
      new Queue(this, name, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: retention,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.provisioningDeadLetters = queue('ProvisioningDeadLetters', Duration.days(14));
    this.provisioningQueue = new Queue(this, 'ProvisioningQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the function's timeout, as Lambda recommends for SQS event sources.
      visibilityTimeout: Duration.seconds(180),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.provisioningDeadLetters, maxReceiveCount: 5 },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.streamFailures = queue('StreamFailures', Duration.days(14));
    Validations.of(this.streamFailures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "It is itself a dead-letter queue: the stream mapping's on-failure destination",
    });

    new CfnOutput(this, 'TableName', {
      value: this.table.tableName,
      description: 'The table (for bootstrapping the first operator credential, and restores)',
    });
    new CfnOutput(this, 'ProvisioningBusName', {
      value: this.provisioningBus.eventBusName,
      description: 'Where provisioning events are put',
    });

    // The bus's rule and its queue stay together: what arrives is kept until applied.
    new Rule(this, 'ProvisioningRule', {
      eventBus: this.provisioningBus,
      description: 'Provisioning events to the provisioning queue',
      eventPattern: { detailType: [...PROVISIONING_EVENT_TYPES] },
      targets: [new SqsQueue(this.provisioningQueue, { deadLetterQueue: this.provisioningDeadLetters, retryAttempts: 5 })],
    });
  }
}
