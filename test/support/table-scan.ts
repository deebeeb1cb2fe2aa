// A whole table read strongly consistently, page by page: what the tests compare before and
// after, and check invariants over.
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ParsedJson } from './json.js';

export type TableItem = Record<string, ParsedJson>;

export async function scanTable(client: DynamoDBClient, tableName: string): Promise<TableItem[]> {
  const items: TableItem[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}
