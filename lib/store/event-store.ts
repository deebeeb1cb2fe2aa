// What the stream processor keeps in the table: delivery attempts per provider event, dead
// letters (visible through the API), and the persistence layer Powertools' idempotency uses.
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import * as z from 'zod';
import type { ExumStore } from './exum-store.js';
import { fromItem, toItem, toKey } from './items.js';
import { keys } from './keys.js';
import type { Page } from './table-client.js';

export const DeadLetterSchema = z.object({
  id: z.string(),
  kind: z.enum(['provider-event', 'provisioning-event']),
  eventId: z.string(),
  type: z.string(),
  providerId: z.string().nullable(),
  subject: z.string().meta({ description: 'The user or contact the event is about (provider events), or the field at fault (provisioning events)' }),
  reason: z.string(),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  deadLetteredAt: z.string(),
  event: z.unknown().meta({ description: 'The event as it would have been delivered' }),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

/** Dead letters stay for 90 days: long enough to notice, investigate and replay. */
const DEAD_LETTER_RETENTION_SECONDS = 90 * 24 * 3600;

export class EventStore {
  constructor(private readonly store: ExumStore) {}

  private get table() {
    return this.store.table;
  }

  /** Counts one more attempt at delivering an event; returns the attempts so far. */
  async countAttempt(tenantId: string, eventId: string, at: string): Promise<number> {
    const result = await this.table.call((client) =>
      client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: toKey(keys.delivery(tenantId, eventId)),
          UpdateExpression: 'ADD attempts :one SET entity = :entity, lastAttemptAt = :at, expiresAt = if_not_exists(expiresAt, :expires)',
          ExpressionAttributeValues: marshall({ ':one': 1, ':entity': 'delivery', ':at': at, ':expires': Math.floor(Date.parse(at) / 1000) + DEAD_LETTER_RETENTION_SECONDS }),
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return Number(unmarshall(result.Attributes ?? {}).attempts ?? 1);
  }

  /** A dead letter of a tenant, or (tenantId null) of no known tenant: the operators'. */
  async putDeadLetter(tenantId: string | null, deadLetter: DeadLetter): Promise<void> {
    const expiresAt = Math.floor(Date.parse(deadLetter.deadLetteredAt) / 1000) + DEAD_LETTER_RETENTION_SECONDS;
    await this.table.call((client) =>
      client.send(
        new PutItemCommand({
          TableName: this.table.tableName,
          Item: toItem(keys.deadLetter(tenantId, deadLetter.deadLetteredAt, deadLetter.id), 'dead-letter', { ...deadLetter, expiresAt }),
        }),
      ),
    );
  }

  async listDeadLetters(tenantId: string, cursor: string | null, limit: number): Promise<Page<DeadLetter>> {
    const partition = keys.deadLetter(tenantId, '', '').pk;
    return this.table.queryPages(
      { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: marshall({ ':pk': partition }), ConsistentRead: true, ScanIndexForward: false },
      { cursor, limit, cursorPartition: { attribute: 'pk', value: partition } },
      (item) => fromItem(DeadLetterSchema.passthrough(), item) as DeadLetter,
    );
  }

  /**
   * Powertools' idempotency records in our table, under one static partition; their expiry is
   * our TTL attribute, so DynamoDB removes them.
   */
  idempotencyLayer(partition = 'IDEMPOTENCY#provider-events'): DynamoDBPersistenceLayer {
    return new DynamoDBPersistenceLayer({
      tableName: this.table.tableName,
      keyAttr: 'pk',
      sortKeyAttr: 'sk',
      staticPkValue: partition,
      expiryAttr: 'expiresAt',
      awsSdkV3Client: this.table.client,
    });
  }
}
