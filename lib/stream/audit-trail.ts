// The audit trail, written from the stream so that no write path can forget it: every change
// of configuration, users, contacts and credentials becomes a record of who, when, which object,
// and its fields before and after (secrets never). Deletions are read from their tombstones.
// Dead letters are audited for what people decide about them: a replay queued (the change that
// queues it) and a discard (its tombstone), each with its reason; the pipelines' own writes of
// dead letters are not.
import { AUDITED_RECORD_TYPES, type AuditRecord } from '../domain/audit-record.js';
import { maskUserInfo } from '../domain/endpoint-rules.js';
import type { ItemChange, PlainRecord } from '../store/stream-records.js';

const AUDITED = new Set<string>(AUDITED_RECORD_TYPES);
/** Fields every write changes: they say nothing about what the write did. */
const BOOKKEEPING = new Set(['version', 'updatedAt', 'modifiedBy', 'configVersion']);

/** Secrets never reach the trail: provider signing secrets are masked, token hashes dropped. */
function withoutSecrets(image: PlainRecord | null): PlainRecord | null {
  if (image === null) return null;
  const copy: PlainRecord = { ...image };
  delete copy.tokenHash;
  // The reference may carry the secret itself (the local vault): mask it whatever it is.
  const endpoint = copy.eventEndpoint as { url: string } | null | undefined;
  // A URL stored before the endpoint rules may hold user-info (user:password@): masked too.
  if (endpoint !== null && endpoint !== undefined) copy.eventEndpoint = { url: maskUserInfo(endpoint.url), secret: '[secret]' };
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

const objectIdOf = (entity: string, image: PlainRecord): string =>
  entity === 'edge' || entity === 'gateway-settings' ? entity : textOf(image.sipUri ?? image.id);

function changedFields(before: PlainRecord | null, after: PlainRecord | null): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  return [...keys].filter((key) => !BOOKKEEPING.has(key) && JSON.stringify(before?.[key]) !== JSON.stringify(after?.[key])).sort();
}

/** The audit record a change makes, with its tenant; null when it is not audited. */
export function auditRecordFor(change: ItemChange): { tenantId: string; record: AuditRecord } | null {
  const { tenantId, entity, eventId: id, before: oldImage, after: newImage } = change;
  // The item's own time when it has a valid one, else when the stream saw the change.
  const timeOf = (value: unknown) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : change.at);

  if (entity === 'tombstone') {
    if (change.eventName !== 'INSERT' || newImage === null) return null;
    const before = withoutSecrets(newImage.before as PlainRecord);
    const objectType = String(newImage.objectType);
    return {
      tenantId,
      record: {
        id,
        at: timeOf(newImage.deletedAt),
        actor: actorOf(newImage.deletedBy),
        objectType,
        objectId: String(newImage.objectId),
        // A person removing a dead letter discards it (lib/dead-letters/dead-letters.ts).
        action: objectType === 'dead-letter' ? 'discard' : 'delete',
        changedFields: changedFields(before, null),
        before,
        after: null,
        ...(typeof newImage.reason === 'string' ? { reason: newImage.reason } : {}),
      },
    };
  }
  if (entity === 'dead-letter') return replayRecordFor(change);
  // Removals are recorded from their tombstones, which say who removed the item.
  if (!AUDITED.has(entity) || newImage === null) return null;
  const before = withoutSecrets(oldImage);
  const after = withoutSecrets(newImage);
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

/** The record of a replay queued on a dead letter (a new replay id on it); null for every other change of a dead letter. */
function replayRecordFor(change: ItemChange): { tenantId: string; record: AuditRecord } | null {
  const { before, after } = change;
  const replay = after?.replay as { id?: unknown; requestedAt?: unknown; requestedBy?: unknown; reason?: unknown } | undefined;
  if (after === null || replay === undefined || replay.id === (before?.replay as { id?: unknown } | undefined)?.id) return null;
  return {
    tenantId: change.tenantId,
    record: {
      id: change.eventId,
      at: typeof replay.requestedAt === 'string' ? replay.requestedAt : change.at,
      actor: actorOf(replay.requestedBy),
      objectType: 'dead-letter',
      objectId: textOf(after.id),
      action: 'replay',
      changedFields: changedFields(before, after),
      before,
      after,
      ...(typeof replay.reason === 'string' ? { reason: replay.reason } : {}),
    },
  };
}
