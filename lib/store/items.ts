// Items in and out of the table. Items read back are input too: each is parsed with the
// record's zod schema, so a corrupt or foreign item never reaches the domain.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type * as z from 'zod';
import { ExumError } from '../errors.js';
import type { Entity, Key } from './keys.js';

export type Item = Record<string, AttributeValue>;

/** Attributes of the storage, not of the record: keys, index keys and the item's kind. */
export const STORAGE_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'entity'] as const;

export function toItem(key: Key, entity: Entity, record: object, listKey?: { gsi1pk: string; gsi1sk: string }): Item {
  return marshall({ ...record, ...key, entity, ...listKey }, { removeUndefinedValues: true });
}

export const toKey = (key: Key): Item => marshall(key);

/** DynamoDB nests maps and lists 32 levels deep at most, counting the item itself as the first. */
const MAX_NESTING = 32;

/**
 * Whether a JSON value can be stored as an attribute (the second level) as it is: nested within
 * DynamoDB's limit, numbers that marshall takes (within ±2^53) and DynamoDB holds (nothing below
 * 1e-130 but 0), no empty names.
 */
export function isStorableValue(value: unknown, level = 2): boolean {
  if (typeof value === 'number') return Math.abs(value) <= Number.MAX_SAFE_INTEGER && (value === 0 || Math.abs(value) >= 1e-130);
  if (typeof value !== 'object' || value === null) return true;
  if (level > MAX_NESTING) return false;
  return Object.entries(value).every(([name, child]) => (Array.isArray(value) || name !== '') && isStorableValue(child, level + 1));
}

export function fromItem<S extends z.ZodType>(schema: S, item: Item): z.infer<S> {
  const raw = unmarshall(item);
  for (const attribute of STORAGE_ATTRIBUTES) delete raw[attribute];
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ExumError('internal', `stored item ${String(item.pk?.S)}/${String(item.sk?.S)} failed validation`, [], {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

export const entityOf = (item: Item): string | undefined => item.entity?.S;
