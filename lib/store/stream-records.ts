// The table's stream, read by the store that wrote it: a DynamoDB stream record as a change of
// one of our items. Only the store knows the keys and the item format, so only it decodes them;
// the stream processor and the audit trail get the tenant, the kind of item and the records
// before and after, parsed with the domain's schemas (stream images are input too).
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import type * as z from 'zod';
import { ContactSchema, type Contact } from '../domain/contact.js';
import { DeadLetterSchema, type DeadLetter } from '../domain/dead-letter.js';
import { MigrationSchema, MigrationUserSchema, type Migration, type MigrationUser } from '../domain/migration.js';
import { UserSchema, type User } from '../domain/user.js';
import { fromItem, STORAGE_ATTRIBUTES, type Item } from './items.js';
import { tenantOfKey } from './keys.js';

interface ChangeOf<E extends string, T> {
  /** The stream record's id: stable across redeliveries of the record. */
  eventId: string;
  tenantId: string;
  /** The kind of item that changed. */
  entity: E;
  /** The record before the change (null when it was created) and after (null when it was removed). */
  before: T | null;
  after: T | null;
  /** When the change was written (ISO 8601). */
  at: string;
}

/** A change of one of the records the stream processor acts on; every other kind passes by. */
export type StreamChange =
  | ChangeOf<'user', User>
  | ChangeOf<'contact', Contact>
  | ChangeOf<'migration', Migration>
  | ChangeOf<'migration-user', MigrationUser>
  | ChangeOf<'dead-letter', DeadLetter>;

/** A record as plain fields: the item without the storage's attributes. */
export type PlainRecord = Record<string, unknown>;

/**
 * A change of any tenant item, for the audit trail: its kind as stored ('tombstone' for the
 * record of a deletion), its images as plain records, and what the stream says happened.
 */
export interface ItemChange extends ChangeOf<string, PlainRecord> {
  eventName: DynamoDBRecord['eventName'];
}

/** The stream image in the SDK's shape: Lambda hands over the same attribute values, as JSON. */
const itemOf = (image: Record<string, AttributeValue>): Item => image as Item;

/** What every change carries, or null for items of no tenant (domains, credentials, checkpoints). */
function changeHeaderOf(record: DynamoDBRecord): { eventId: string; tenantId: string; at: string } | null {
  const images = record.dynamodb;
  const pk = images?.Keys?.pk?.S;
  const tenantId = pk === undefined ? null : tenantOfKey(pk);
  if (tenantId === null) return null;
  const seconds = images?.ApproximateCreationDateTime;
  return {
    eventId: record.eventID ?? `${pk}|${images?.SequenceNumber}`,
    tenantId,
    at: new Date(seconds === undefined ? Date.now() : seconds * 1000).toISOString(),
  };
}

/** The change a record carries, or null when the stream processor does not act on its kind of item. */
export function streamChangeOf(record: DynamoDBRecord): StreamChange | null {
  const images = record.dynamodb;
  const entity = (images?.NewImage ?? images?.OldImage)?.entity?.S;
  const header = changeHeaderOf(record);
  if (entity === undefined || header === null) return null;
  // An image is an item like any read: parsed the same way (items.ts).
  const parse = <S extends z.ZodType>(schema: S, image: Record<string, AttributeValue> | undefined): z.infer<S> | null =>
    image === undefined ? null : fromItem(schema, itemOf(image));
  const imagesAs = <S extends z.ZodType>(schema: S) => ({
    before: parse(schema, images?.OldImage),
    after: parse(schema, images?.NewImage),
  });
  switch (entity) {
    case 'user':
      return { ...header, entity, ...imagesAs(UserSchema) };
    case 'contact':
      return { ...header, entity, ...imagesAs(ContactSchema) };
    case 'migration':
      return { ...header, entity, ...imagesAs(MigrationSchema) };
    case 'migration-user':
      return { ...header, entity, ...imagesAs(MigrationUserSchema) };
    case 'dead-letter':
      return { ...header, entity, ...imagesAs(DeadLetterSchema) };
    default:
      return null;
  }
}

/** What a plain record leaves out: the storage's attributes and the expiry. */
const NOT_OF_THE_RECORD = [...STORAGE_ATTRIBUTES, 'expiresAt'];

function plainRecord(fields: PlainRecord): PlainRecord {
  const copy: PlainRecord = { ...fields };
  for (const attribute of NOT_OF_THE_RECORD) delete copy[attribute];
  return copy;
}

/** The change a record carries, whatever the kind of item, or null for items of no tenant. */
export function itemChangeOf(record: DynamoDBRecord): ItemChange | null {
  const header = changeHeaderOf(record);
  if (header === null) return null;
  const images = record.dynamodb;
  const before = images?.OldImage === undefined ? null : unmarshall(itemOf(images.OldImage));
  const after = images?.NewImage === undefined ? null : unmarshall(itemOf(images.NewImage));
  const entity: unknown = (after ?? before)?.entity;
  const change: ItemChange = {
    ...header,
    entity: typeof entity === 'string' ? entity : '',
    eventName: record.eventName,
    before: before === null ? null : plainRecord(before),
    after: after === null ? null : plainRecord(after),
  };
  // A tombstone holds the deleted record (tombstones.ts): plain too.
  const deleted: unknown = change.after?.before;
  if (change.entity === 'tombstone' && typeof deleted === 'object' && deleted !== null) {
    change.after = { ...change.after, before: plainRecord(deleted as PlainRecord) };
  }
  return change;
}

/**
 * Records with the same ordering key are processed in order: a user's (or contact's) records,
 * including its migration steps and the replays of provider events about it, and a migration's.
 * Everything else is ordered by partition (a tenant's provisioning replays, for one).
 */
export function orderingKeyOf(record: DynamoDBRecord): string {
  const pk = record.dynamodb?.Keys?.pk?.S ?? '';
  const sk = record.dynamodb?.Keys?.sk?.S ?? '';
  const tenant = /^T#[^#]+#/.exec(pk)?.[0] ?? '';
  // A provider event's dead letter (keys.deadLetter) names the user or contact it is about.
  const deadLetter = pk.endsWith('#DEADLETTERS') ? (record.dynamodb?.NewImage ?? record.dynamodb?.OldImage) : undefined;
  if (deadLetter?.kind?.S === 'provider-event' && deadLetter.subject?.S !== undefined) return `${tenant}${deadLetter.subject.S}`;
  // A migration's user (keys.migrationUser) is keyed by the user's address, as is the user (keys.address).
  if (sk.startsWith('USER#')) return `${tenant}${sk.slice('USER#'.length)}`;
  const address = /#ADDR#(.+)$/.exec(pk)?.[1];
  return address === undefined ? pk : `${tenant}${address}`;
}
