// Tombstones: who deleted what. Every delete of a configuration object, user or contact (and
// every discard of a dead letter, with its reason) writes one in the same transaction; the audit
// trail, written from the stream, reads it (a REMOVE record does not say who removed the item).
import { randomUUID } from 'node:crypto';
import type { Writer } from './changes.js';
import { toItem } from './items.js';
import { keys } from './keys.js';
import { absentCondition, stale, type GuardedWrite, type TableClient } from './table-client.js';

/** Tombstones only need to outlive the stream's retention (24 h) for the audit trail to read them. */
const TOMBSTONE_TTL_SECONDS = 2 * 24 * 3600;

/** The tombstone of one deletion, to write in the deleting transaction. */
export function tombstoneWrite(
  table: TableClient,
  tenantId: string,
  objectType: string,
  objectId: string,
  before: object,
  actor: Writer,
  at: string,
  /** Why, when the deletion is a decision the trail should explain (a discarded dead letter). */
  reason?: string,
): GuardedWrite {
  const tombstone = {
    objectType,
    objectId,
    before,
    deletedBy: actor,
    deletedAt: at,
    reason,
    expiresAt: Math.floor(Date.parse(at) / 1000) + TOMBSTONE_TTL_SECONDS,
  };
  return {
    write: table.put(toItem(keys.tombstone(tenantId, randomUUID()), 'tombstone', tombstone), absentCondition),
    onConditionFailed: stale('tombstone'),
  };
}
