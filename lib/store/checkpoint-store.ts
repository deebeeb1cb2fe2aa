// Where the local stream driver keeps its place in each shard: a small table of its own, without
// a stream, so that writing a checkpoint does not itself become a stream record to process.
import { CreateTableCommand, GetItemCommand, PutItemCommand, ResourceInUseException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { translateSdkError } from './sdk-errors.js';

export class CheckpointStore {
  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  async ensureTable(): Promise<void> {
    try {
      await this.client.send(
        new CreateTableCommand({
          TableName: this.tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'shard', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'shard', KeyType: 'HASH' }],
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw translateSdkError(error);
    }
  }

  async getCheckpoint(shard: string): Promise<string | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall({ shard }), ConsistentRead: true }),
    );
    return result.Item === undefined ? undefined : String(unmarshall(result.Item).sequenceNumber);
  }

  async putCheckpoint(shard: string, sequenceNumber: string): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: marshall({ shard, sequenceNumber }) }));
  }
}
