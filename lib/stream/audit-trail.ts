// The audit trail, written from the stream so that no write path can forget it: every change
// of configuration, users, contacts and credentials becomes a record of who, when, which object,
// and its fields before and after (secrets never). Deletions are read from their tombstones.
import type { DynamoDBRecord } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { STORAGE_ATTRIBUTES } from '../store/items.js';
import { tenantOfKey } from '../store/keys.js';

/** Audit records are kept for 400 days (a year and a quarter, for yearly reviews), then expire. */
export const AUDIT_RETENTION_SECONDS = 400 * 24 * 3600;

export const AuditRecordSchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({ credentialId: z.string(), role: z.string() }),
  objectType: z.string(),
  objectId: z.string(),
  action: z.enum(['create', 'update', 'delete']),
  changedFields: z.array(z.string()),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

const AUDITED = new Set(['tenant', 'edge', 'provider', 'policy', 'dial-plan', 'rerouting', 'user', 'contact', 'credential-record']);
/** What the trail leaves out of before/after: the storage's attributes and the expiry. */
const STORAGE = [...STORAGE_ATTRIBUTES, 'expiresAt'];
/** Fields every write changes: they say nothing about what the write did. */
const BOOKKEEPING = new Set(['version', 'updatedAt', 'modifiedBy', 'configVersion']);

/** Secrets never reach the trail: provider signing secrets are masked, token hashes dropped. */
function sanitise(image: Record<string, unknown> | null): Record<string, unknown> | null {
  if (image === null) return null;
  const copy: Record<string, unknown> = { ...image };
  for (const attribute of STORAGE) delete copy[attribute];
  delete copy.tokenHash;
  // The reference may carry the secret itself (the local vault): mask it whatever it is.
  const endpoint = copy.eventEndpoint as { url: string } | null | undefined;
  if (endpoint !== null && endpoint !== undefined) copy.eventEndpoint = { url: endpoint.url, secret: '[secret]' };
  return copy;
}

/** Who, as recorded on the item; an item that does not say is recorded as unknown, not dropped. */
function actorOf(value: unknown): AuditRecord['actor'] {
  const actor = value as { credentialId?: unknown; role?: unknown } | null | undefined;
  return typeof actor?.credentialId === 'string' && typeof actor.role === 'string'
    ? { credentialId: actor.credentialId, role: actor.role }
    : { credentialId: 'unknown', role: 'unknown' };
}

/** A stored attribute as text: strings as they are, absent as '', anything else as JSON (never "[object Object]"). */
const textOf = (value: unknown): string =>
  typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value);

const objectIdOf = (entity: string, image: Record<string, unknown>): string =>
  entity === 'edge' ? 'edge' : textOf(image.sipUri ?? image.id);

function changedFields(before: Record<string, unknown> | null, after: Record<string, unknown> | null): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  return [...keys].filter((key) => !BOOKKEEPING.has(key) && JSON.stringify(before?.[key]) !== JSON.stringify(after?.[key])).sort();
}

/** The audit record a stream record makes, with its tenant; null when it is not audited. */
export function auditRecordFor(record: DynamoDBRecord): { tenantId: string; record: AuditRecord } | null {
  const images = record.dynamodb;
  const pk = images?.Keys?.pk?.S;
  const tenantId = pk === undefined ? null : tenantOfKey(pk);
  if (tenantId === null) return null;
  const newImage = images?.NewImage === undefined ? null : (unmarshall(images.NewImage as never) as Record<string, unknown>);
  const oldImage = images?.OldImage === undefined ? null : (unmarshall(images.OldImage as never) as Record<string, unknown>);
  const entity = textOf((newImage ?? oldImage)?.entity);
  const id = record.eventID ?? `${pk}|${images?.SequenceNumber}`;
  // The item's own time when it has a valid one, else when the stream saw the change.
  const seenAt = new Date((images?.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000).toISOString();
  const timeOf = (value: unknown) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : seenAt);

  if (entity === 'tombstone') {
    if (record.eventName !== 'INSERT' || newImage === null) return null;
    const before = sanitise(newImage.before as Record<string, unknown>);
    return {
      tenantId,
      record: {
        id,
        at: timeOf(newImage.deletedAt),
        actor: actorOf(newImage.deletedBy),
        objectType: String(newImage.objectType),
        objectId: String(newImage.objectId),
        action: 'delete',
        changedFields: changedFields(before, null),
        before,
        after: null,
      },
    };
  }
  // Removals are recorded from their tombstones, which say who removed the item.
  if (!AUDITED.has(entity) || newImage === null) return null;
  const before = sanitise(oldImage);
  const after = sanitise(newImage);
  const changed = changedFields(before, after);
  if (before !== null && changed.length === 0) return null; // a config version bump, nothing else
  const actor = actorOf(
    entity === 'credential-record' ? (newImage.revokedBy ?? { credentialId: newImage.createdBy, role: 'operator' }) : newImage.modifiedBy,
  );
  const at = timeOf(entity === 'credential-record' ? (newImage.revokedAt ?? newImage.createdAt) : newImage.updatedAt);
  return {
    tenantId,
    record: {
      id,
      at,
      actor,
      objectType: entity,
      objectId: objectIdOf(entity, newImage),
      action: before === null ? 'create' : 'update',
      changedFields: changed,
      before,
      after,
    },
  };
}
