// The stateful part of the deployment: the table, deployed from the same definition the local
// server and the tests create (lib/store/table.ts). Protected against deletion, with PITR.
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, StreamViewType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { tableDefinition } from '../lib/store/table.js';

export class StatefulStack extends Stack {
  readonly table: TableV2;

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
  }
}
