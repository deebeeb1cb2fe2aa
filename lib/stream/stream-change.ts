// A DynamoDB stream record as a change of one of our records: which tenant, which kind of
// record, and the record before and after, parsed with its schema (stream images are input too).
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import type * as z from 'zod';
import { ContactSchema } from '../domain/contact.js';
import { MigrationSchema, MigrationUserSchema } from '../domain/migration.js';
import { UserSchema } from '../domain/user.js';
import { fromItem, type Item } from '../store/items.js';
import { tenantOfKey } from '../store/keys.js';

/** The kinds of record the stream consumers act on; everything else passes by. */
const SCHEMAS = {
  user: UserSchema,
  contact: ContactSchema,
  migration: MigrationSchema,
  'migration-user': MigrationUserSchema,
} as const satisfies Record<string, z.ZodType>;

export type ChangeEntity = keyof typeof SCHEMAS;

export interface StreamChange {
  /** The stream record's id: stable across redeliveries of the record. */
  eventId: string;
  tenantId: string;
  entity: ChangeEntity;
  before: unknown;
  after: unknown;
  /** When the change was written (ISO 8601). */
  at: string;
}

/** An image is an item like any read: parsed the same way (lib/store/items.ts). */
const parseImage = (schema: z.ZodType, image: Record<string, AttributeValue> | undefined): unknown =>
  image === undefined ? null : fromItem(schema, image as Item);

/** The change a record carries, or null when no consumer cares about its kind of item. */
export function streamChangeOf(record: DynamoDBRecord): StreamChange | null {
  const images = record.dynamodb;
  const entity = (images?.NewImage ?? images?.OldImage)?.entity?.S;
  const pk = images?.Keys?.pk?.S;
  if (entity === undefined || pk === undefined || !(entity in SCHEMAS)) return null;
  const tenantId = tenantOfKey(pk);
  if (tenantId === null) return null;
  const schema = SCHEMAS[entity as ChangeEntity];
  const seconds = images?.ApproximateCreationDateTime;
  return {
    eventId: record.eventID ?? `${pk}|${images?.SequenceNumber}`,
    tenantId,
    entity: entity as ChangeEntity,
    before: parseImage(schema, images?.OldImage),
    after: parseImage(schema, images?.NewImage),
    at: new Date(seconds === undefined ? Date.now() : seconds * 1000).toISOString(),
  };
}
