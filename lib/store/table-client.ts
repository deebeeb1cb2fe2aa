// The store's plumbing, shared by its modules: guarded transactions whose cancellation
// reasons become our errors, SDK error translation, and cursor pagination.
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type DynamoDBClient,
  type QueryCommandInput,
  type QueryCommandOutput,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ExumError, invalid } from '../errors.js';
import { toKey, type Item } from './items.js';
import type { Key } from './keys.js';
import { isThrottledCancellation, StaleReadError, translateSdkError } from './sdk-errors.js';

/** A write in a transaction, and what its failed condition means. */
export interface GuardedWrite {
  write: TransactWriteItem;
  onConditionFailed: (current: Item | undefined) => Error;
}

/** One write of a cancelled transaction that caused the cancellation. */
/** Resends of a transaction that only collides with others, before its writer gives up on it. */
export const MAX_COLLISIONS = 20;

/**
 * Whether a transaction was cancelled only because others held its items (TransactionConflict):
 * nothing it read is wrong, so the same writes may simply go again. (Throttled ones are thrown as
 * the store being unavailable: resending them would only add load.)
 */
export const onlyCollisions = (failures: readonly TransactionFailure[]): boolean =>
  failures.every((failure) => failure.code === 'TransactionConflict');

/** A cancellation neither a condition nor a collision explains. */
export const unexpectedCancellation = (failures: readonly TransactionFailure[]): ExumError =>
  new ExumError('internal', `transaction cancelled: ${failures.map((failure) => failure.code).join(', ')}`);

/** The short random wait before resending a transaction that collided `collisions` times: growing, at most 200 ms. */
export const afterCollision = (collisions: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** collisions)));

export interface TransactionFailure {
  position: number;
  code: string;
  item: Item | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const stale = (what: string) => () => new StaleReadError(`${what} changed since it was read`);

export const versionCondition = (version: number) => ({
  ConditionExpression: '#version = :version',
  ExpressionAttributeNames: { '#version': 'version' },
  ExpressionAttributeValues: marshall({ ':version': version }),
});

export const absentCondition = { ConditionExpression: 'attribute_not_exists(pk)' };

/** A page reads at most this many Queries; with a filter, each evaluates up to FILTERED_READ_ITEMS items. */
export const MAX_PAGE_QUERIES = 20;
/**
 * Items a filtered Query evaluates at a time (DynamoDB applies the filter after its Limit): with
 * MAX_PAGE_QUERIES, a page reads up to 10,000 items to find its matches before it answers what it
 * found with a cursor. Matches beyond the page are not skipped: the cursor points after the last one answered.
 */
export const FILTERED_READ_ITEMS = 500;

/** BatchGetItem requests a batchGet has in flight at once. */
const BATCH_GET_IN_FLIGHT = 5;

export class TableClient {
  constructor(
    /** For libraries that take a client of their own (Powertools idempotency). */
    readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  // --- plumbing ------------------------------------------------------------------------------

  put(
    Item: Item,
    condition: { ConditionExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Item },
  ): TransactWriteItem {
    return { Put: { TableName: this.tableName, Item, ...condition, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  }

  /**
   * Strongly consistent BatchGetItem of any number of keys: 100 a request, up to
   * BATCH_GET_IN_FLIGHT requests at once (a user batch's 500 rows in one round trip rather than
   * five), resending what DynamoDB left unprocessed. Absent keys are simply not in the answer.
   */
  async batchGet(keysToRead: readonly Key[], projection?: string): Promise<Item[]> {
    const chunks: Item[][] = [];
    for (let start = 0; start < keysToRead.length; start += 100) chunks.push(keysToRead.slice(start, start + 100).map(toKey));
    const found: Item[][] = chunks.map(() => []);
    let next = 0;
    const reader = async () => {
      for (let chunk = next++; chunk < chunks.length; chunk = next++) {
        let requested = chunks[chunk]!;
        while (requested.length > 0) {
          const result = await this.call((client) =>
            client.send(
              new BatchGetItemCommand({
                RequestItems: {
                  [this.tableName]: {
                    Keys: requested,
                    ConsistentRead: true,
                    ...(projection === undefined ? {} : { ProjectionExpression: projection }),
                  },
                },
              }),
            ),
          );
          found[chunk]!.push(...(result.Responses?.[this.tableName] ?? []));
          requested = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_GET_IN_FLIGHT, chunks.length) }, reader));
    return found.flat();
  }

  async getItem(key: Key, consistent: boolean): Promise<Item | undefined> {
    const result = await this.call((client) =>
      client.send(new GetItemCommand({ TableName: this.tableName, Key: toKey(key), ConsistentRead: consistent })),
    );
    return result.Item;
  }

  async transact(writes: GuardedWrite[]): Promise<void> {
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: transactItems(writes) }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        const failed = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
        if (failed !== -1) throw writes[failed]?.onConditionFailed(reasons[failed]?.Item) ?? new StaleReadError('condition failed');
        if (reasons.some((reason) => reason.Code === 'TransactionConflict'))
          throw new StaleReadError('a concurrent transaction touched the same items');
      }
      if (error instanceof ConditionalCheckFailedException) throw new StaleReadError('condition failed');
      throw translateSdkError(error);
    }
  }

  /**
   * A transaction whose cancellation is reported rather than thrown: which writes failed and
   * why (ConditionalCheckFailed with the current item, TransactionConflict, ...), so a caller
   * writing many independent changes together can drop the failed ones and try again.
   * Anything else (throttling, outages) is thrown as our error.
   */
  async transactOrFailures(writes: GuardedWrite[]): Promise<TransactionFailure[] | undefined> {
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: transactItems(writes) }));
      return undefined;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || isThrottledCancellation(error)) throw translateSdkError(error);
      const failures = (error.CancellationReasons ?? []).flatMap((reason, position) =>
        reason.Code === undefined || reason.Code === 'None' ? [] : [{ position, code: reason.Code, item: reason.Item }],
      );
      if (failures.length === 0) throw translateSdkError(error);
      return failures;
    }
  }

  /**
   * A transaction sent again while it only collides with others (TransactionConflict), up to
   * `attempts` times after a short random wait: for one that writes items many writers share (a
   * tenant's summary counter shards, which every user and contact write updates). A failed
   * condition throws what its write says, as transact does; collisions past the attempts are stale.
   */
  async transactPastCollisions(writes: GuardedWrite[], attempts = MAX_COLLISIONS): Promise<void> {
    for (let collisions = 0; ; collisions++) {
      const failures = await this.transactOrFailures(writes);
      if (failures === undefined) return;
      const failed = failures.find((failure) => failure.code === 'ConditionalCheckFailed');
      if (failed !== undefined) throw writes[failed.position]?.onConditionFailed(failed.item) ?? new StaleReadError('condition failed');
      if (!onlyCollisions(failures)) throw unexpectedCancellation(failures);
      if (collisions >= attempts) throw new StaleReadError('a concurrent transaction touched the same items');
      await afterCollision(collisions);
    }
  }

  async call<T>(operation: (client: DynamoDBClient) => Promise<T>): Promise<T> {
    try {
      return await operation(this.client);
    } catch (error) {
      throw translateSdkError(error);
    }
  }

  /** The pages of a Query, each read when the caller asks for it: leaving the loop stops the reading. */
  async *queryEach(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): AsyncGenerator<QueryCommandOutput> {
    let startKey: Item | undefined;
    do {
      const page = await this.call((client) =>
        client.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey })),
      );
      yield page;
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  /** Every item a Query matches, over all its pages. */
  async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
    const items: Item[] = [];
    for await (const page of this.queryEach(input)) items.push(...(page.Items ?? []));
    return items;
  }

  /**
   * Cursor pagination over a Query. With a filter, the page reads on until it holds `limit`
   * matches or the key range ends, within MAX_PAGE_QUERIES reads of FILTERED_READ_ITEMS items:
   * only when that bound is hit may a page hold fewer matches (even none) with a nextCursor; only
   * a null nextCursor means the end. Cursors are checked to stay within the partition they were
   * issued for, so one tenant's cursor cannot read another's items, and within the sort key prefix
   * of a `begins_with` key condition (DynamoDB refuses a start key outside it).
   */
  async queryPages<T>(
    input: Omit<QueryCommandInput, 'TableName'>,
    page: { cursor: string | null; limit: number; cursorPartition: CursorBounds },
    parse: (item: Item) => T,
  ): Promise<Page<T>> {
    let startKey = page.cursor === null ? undefined : decodeCursor(page.cursor, page.cursorPartition);
    const filtered = input.FilterExpression !== undefined;
    const items: T[] = [];
    for (let query = 0; query < MAX_PAGE_QUERIES && items.length < page.limit; query++) {
      const wanted = page.limit - items.length;
      const result = await this.call((client) =>
        client.send(
          new QueryCommand({
            ...input,
            TableName: this.tableName,
            Limit: filtered ? Math.max(wanted, FILTERED_READ_ITEMS) : wanted,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      const found = (result.Items ?? []) as Item[];
      if (found.length > wanted) {
        // More matches than the page holds: the cursor resumes after the last one answered.
        const last = found[wanted - 1]!;
        items.push(...found.slice(0, wanted).map(parse));
        startKey = Object.fromEntries<Item[string]>(keyAttributes(page.cursorPartition).map((name) => [name, last[name]!]));
        break;
      }
      items.push(...found.map(parse));
      startKey = result.LastEvaluatedKey;
      if (startKey === undefined) break;
    }
    return { items, nextCursor: startKey === undefined ? null : encodeCursor(startKey) };
  }
}

/** A transaction's items exactly as transact and transactOrFailures send them (the bench's ceiling sends the same). */
export const transactItems = (writes: readonly GuardedWrite[]): TransactWriteItem[] => writes.map(({ write }) => withOldValues(write));

function withOldValues(write: TransactWriteItem): TransactWriteItem {
  const [kind, operation] = Object.entries(write)[0] as [string, Record<string, unknown>];
  if (operation.ConditionExpression === undefined) return write;
  return { [kind]: { ...operation, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
}

const encodeCursor = (key: Item): string => Buffer.from(JSON.stringify(unmarshall(key))).toString('base64url');

/** Where a cursor may point: its partition, and the sort key prefix a `begins_with` key condition reads. */
export interface CursorBounds {
  attribute: string;
  value: string;
  sortKeyPrefix?: { attribute: string; prefix: string };
}

/** The attributes of an item's key as a Query of this partition gives LastEvaluatedKey: the table's, and the index's. */
const keyAttributes = (partition: CursorBounds): string[] =>
  partition.attribute === 'gsi1pk' ? ['pk', 'sk', 'gsi1pk', 'gsi1sk'] : ['pk', 'sk'];

function decodeCursor(cursor: string, partition: CursorBounds): Item {
  const bad = () => invalid('cursor', 'cursor', 'cursor is not one this listing issued; start again without it');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // Not lost: the caller gets a 400 naming the cursor.
    throw bad();
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) throw bad();
  // Exactly the key DynamoDB gave as LastEvaluatedKey: a missing or empty key attribute is its ValidationException.
  const attributes = keyAttributes(partition);
  const fields = decoded as Record<string, unknown>;
  if (Object.keys(fields).length !== attributes.length) throw bad();
  if (!attributes.every((name) => typeof fields[name] === 'string' && fields[name] !== '' && fields[name].length < 2048)) throw bad();
  if (fields[partition.attribute] !== partition.value) throw bad();
  const sortKey = partition.sortKeyPrefix;
  if (sortKey !== undefined && !String(fields[sortKey.attribute]).startsWith(sortKey.prefix)) throw bad();
  return marshall(decoded);
}
