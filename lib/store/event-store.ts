// What the event pipelines keep in the table: provider events' delivery attempts and settled
// markers, dead letters (visible through the API), audit records, and the persistence layer
// Powertools' idempotency uses for provisioning events.
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Writer } from './changes.js';
import { fromItem, toItem, toKey, type Item } from './items.js';
import { keys } from './keys.js';
import { translateSdkError } from './sdk-errors.js';
import type { Page, TableClient } from './table-client.js';
import { tombstoneWrite } from './tombstones.js';
import { AUDIT_RETENTION_SECONDS, AuditRecordSchema, type AuditRecord } from '../domain/audit-record.js';
import { DeadLetterSchema, type DeadLetter, type DeadLetterRef, type QueuedReplay } from '../domain/dead-letter.js';
import { notFound } from '../errors.js';

export interface AuditQuery {
  objectType?: string;
  objectId?: string;
  credentialId?: string;
  /** ISO 8601 bounds, inclusive. */
  from?: string;
  to?: string;
}

/** Dead letters stay for 90 days: long enough to notice, investigate and replay. */
const DEAD_LETTER_RETENTION_SECONDS = 90 * 24 * 3600;

/** Dead letters as listed: with the attributes they were stored with (their expiry included), as the list has always answered. */
const parseDeadLetter = (item: Item): DeadLetter => fromItem(DeadLetterSchema.passthrough(), item);

export class EventStore {
  constructor(private readonly table: TableClient) {}

  /**
   * Counts one more failed attempt at delivering an event (named by its delivery id: a replay
   * counts its own); returns the failed attempts so far.
   * Idempotent per attempt (named by its time): the SDK resending the update after a lost answer
   * must not count the attempt twice, which would dead-letter the event an attempt early.
   */
  async countAttempt(tenantId: string, eventId: string, at: string): Promise<number> {
    try {
      const result = await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: toKey(keys.delivery(tenantId, eventId)),
          UpdateExpression: 'ADD attempts :one SET entity = :entity, lastAttemptAt = :at, expiresAt = if_not_exists(expiresAt, :expires)',
          ConditionExpression: 'attribute_not_exists(lastAttemptAt) OR lastAttemptAt <> :at',
          ExpressionAttributeValues: marshall({
            ':one': 1,
            ':entity': 'delivery',
            ':at': at,
            ':expires': Math.floor(Date.parse(at) / 1000) + DEAD_LETTER_RETENTION_SECONDS,
          }),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return Number(unmarshall(result.Attributes ?? {}).attempts ?? 1);
    } catch (error) {
      // This attempt was already counted, by an earlier send of this same update.
      if (error instanceof ConditionalCheckFailedException) return Number(unmarshall(error.Item ?? {}).attempts ?? 1);
      throw translateSdkError(error);
    }
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
      {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: marshall({ ':pk': partition }),
        ConsistentRead: true,
        ScanIndexForward: false,
      },
      { cursor, limit, cursorPartition: { attribute: 'pk', value: partition } },
      parseDeadLetter,
    );
  }

  /**
   * The newest dead letter of a tenant with this id. Dead letters are keyed by time (the list is
   * newest first), so the partition is read, newest first, until one is found.
   */
  async findDeadLetter(tenantId: string, id: string): Promise<DeadLetter | undefined> {
    const partition = keys.deadLetter(tenantId, '', '').pk;
    const pages = this.table.queryEach({
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: '#id = :id',
      ExpressionAttributeNames: { '#id': 'id' },
      ExpressionAttributeValues: marshall({ ':pk': partition, ':id': id }),
      ConsistentRead: true,
      ScanIndexForward: false,
    });
    for await (const page of pages) {
      const found = page.Items?.[0];
      if (found !== undefined) return parseDeadLetter(found);
    }
    return undefined;
  }

  /** The dead letter as it is now (strongly consistent), or undefined once it is gone. */
  async getDeadLetter(tenantId: string, ref: DeadLetterRef): Promise<DeadLetter | undefined> {
    const item = await this.table.getItem(keys.deadLetter(tenantId, ref.deadLetteredAt, ref.id), true);
    return item === undefined ? undefined : parseDeadLetter(item);
  }

  /** Every dead letter of a tenant dead-lettered from `from` to `to` (inclusive, ISO 8601), oldest first. */
  async deadLettersBetween(tenantId: string, from: string | undefined, to: string): Promise<DeadLetter[]> {
    const partition = keys.deadLetter(tenantId, '', '').pk;
    const lower = from ?? '0000';
    // The sort key is `<time>#<id>`: every key of the last millisecond sorts below `<to>~`.
    const upper = `${to}~`;
    if (lower > upper) return [];
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: marshall({ ':pk': partition, ':from': lower, ':to': upper }),
      ConsistentRead: true,
    });
    return items.map(parseDeadLetter);
  }

  /**
   * Queues a replay by writing it onto the dead letter: the item's stream record has the stream
   * processor carry it out (lib/dead-letters/carry-out-replay.ts). A replay already queued is
   * superseded, unless `unlessQueued`: then the dead letter is left as it is. Answers the dead
   * letter as queued, or undefined when it is gone (or, with `unlessQueued`, already queued).
   */
  async queueReplay(tenantId: string, ref: DeadLetterRef, replay: QueuedReplay, unlessQueued: boolean): Promise<DeadLetter | undefined> {
    try {
      const result = await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: toKey(keys.deadLetter(tenantId, ref.deadLetteredAt, ref.id)),
          UpdateExpression: 'SET #replay = :replay',
          ConditionExpression: unlessQueued ? 'attribute_exists(pk) AND attribute_not_exists(#replay)' : 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#replay': 'replay' },
          ExpressionAttributeValues: marshall({ ':replay': replay }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return parseDeadLetter(result.Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw translateSdkError(error);
    }
  }

  /**
   * Discards a dead letter, with a tombstone in the same transaction naming who and why (the
   * audit trail reads it from the stream). A dead letter already gone is a 404.
   */
  async discardDeadLetter(tenantId: string, deadLetter: DeadLetter, actor: Writer, at: string, reason: string): Promise<void> {
    const { id, deadLetteredAt } = deadLetter;
    await this.table.transact([
      {
        write: {
          Delete: {
            TableName: this.table.tableName,
            Key: toKey(keys.deadLetter(tenantId, deadLetteredAt, id)),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        onConditionFailed: () => notFound(`dead letter ${id}`),
      },
      tombstoneWrite(this.table, tenantId, 'dead-letter', id, deadLetter, actor, at, reason),
    ]);
  }

  /**
   * Removes a dead letter once its replay is carried out (delivered, applied, or dead-lettered
   * anew). Left alone when a newer replay superseded this one (that one removes it) or a person
   * discarded it meanwhile.
   */
  async removeReplayed(tenantId: string, ref: DeadLetterRef, replayId: string): Promise<void> {
    try {
      await this.table.client.send(
        new DeleteItemCommand({
          TableName: this.table.tableName,
          Key: toKey(keys.deadLetter(tenantId, ref.deadLetteredAt, ref.id)),
          ConditionExpression: '#replay.#id = :replayId',
          ExpressionAttributeNames: { '#replay': 'replay', '#id': 'id' },
          ExpressionAttributeValues: marshall({ ':replayId': replayId }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw translateSdkError(error);
    }
  }

  /** Writes audit records in bulk; the same stream record written twice is the same item. */
  async putAudits(records: readonly { tenantId: string; record: AuditRecord }[]): Promise<void> {
    await this.writeAll(
      records.map(({ tenantId, record }) => ({
        PutRequest: {
          Item: toItem(keys.audit(tenantId, record.at, record.id), 'audit', {
            ...record,
            expiresAt: Math.floor(Date.parse(record.at) / 1000) + AUDIT_RETENTION_SECONDS,
          }),
        },
      })),
    );
  }

  /**
   * Of these provider events, the ones already delivered or dead-lettered (their ids). An event is
   * named by its delivery id: its own id, or for a replay the id and the replay's (deliveryIdOf).
   */
  async settledAmong(events: readonly { tenantId: string; eventId: string }[]): Promise<Set<string>> {
    const unique = [...new Map(events.map((event) => [`${event.tenantId}|${event.eventId}`, event])).values()];
    const items = await this.table.batchGet(
      unique.map(({ tenantId, eventId }) => keys.delivery(tenantId, eventId)),
      'eventId, settled',
    );
    const settled = new Set<string>();
    for (const item of items) {
      const delivery = unmarshall(item) as { eventId?: string; settled?: string };
      if (delivery.settled !== undefined && delivery.eventId !== undefined) settled.add(delivery.eventId);
    }
    return settled;
  }

  /** Marks provider events (by delivery id) delivered or dead-lettered, in bulk: a redelivered record skips them. */
  async markSettled(
    events: readonly { tenantId: string; eventId: string; settled: 'delivered' | 'dead-lettered'; at: string }[],
  ): Promise<void> {
    await this.writeAll(
      events.map(({ tenantId, eventId, settled, at }) => ({
        PutRequest: {
          Item: toItem(keys.delivery(tenantId, eventId), 'delivery', {
            eventId,
            settled,
            settledAt: at,
            expiresAt: Math.floor(Date.parse(at) / 1000) + DEAD_LETTER_RETENTION_SECONDS,
          }),
        },
      })),
    );
  }

  /** BatchWriteItem in chunks of 25, resending what DynamoDB left unprocessed. */
  private async writeAll(requests: WriteRequest[]): Promise<void> {
    for (let start = 0; start < requests.length; start += 25) {
      let pending = requests.slice(start, start + 25);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
        const result = await this.table.call((client) =>
          client.send(new BatchWriteItemCommand({ RequestItems: { [this.table.tableName]: pending } })),
        );
        pending = result.UnprocessedItems?.[this.table.tableName] ?? [];
      }
    }
  }

  /** Audit records, newest first, by time range and optionally by object or by credential. */
  async queryAudit(tenantId: string, query: AuditQuery, cursor: string | null, limit: number): Promise<Page<AuditRecord>> {
    const partition = keys.audit(tenantId, '', '').pk;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':pk': partition, ':from': query.from ?? '0000', ':to': `${query.to ?? '9999'}~` };
    // DynamoDB refuses BETWEEN with its bounds reversed (a ValidationException); the range is simply empty.
    if ((values[':from'] as string) > (values[':to'] as string)) return { items: [], nextCursor: null };
    const filters: string[] = [];
    if (query.objectType !== undefined) {
      names['#objectType'] = 'objectType';
      values[':objectType'] = query.objectType;
      filters.push('#objectType = :objectType');
    }
    if (query.objectId !== undefined) {
      names['#objectId'] = 'objectId';
      values[':objectId'] = query.objectId;
      filters.push('#objectId = :objectId');
    }
    if (query.credentialId !== undefined) {
      names['#actor'] = 'actor';
      names['#credentialId'] = 'credentialId';
      values[':credentialId'] = query.credentialId;
      filters.push('#actor.#credentialId = :credentialId');
    }
    return this.table.queryPages(
      {
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ...(filters.length > 0 ? { FilterExpression: filters.join(' AND '), ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: marshall(values),
        ScanIndexForward: false,
      },
      { cursor, limit, cursorPartition: { attribute: 'pk', value: partition } },
      (item) => fromItem(AuditRecordSchema, item),
    );
  }

  /**
   * Powertools' idempotency records in our table, under one static partition; their expiry is
   * our TTL attribute, so DynamoDB removes them.
   */
  idempotencyLayer(partition: string): DynamoDBPersistenceLayer {
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
