// An entry of the audit trail: who changed which object when, with its fields before and after
// (secrets never). Written from the stream (lib/stream/audit-trail.ts), kept by the event store,
// read through the API.
import * as z from 'zod';

/** Audit records are kept for 400 days (a year and a quarter, for yearly reviews), then expire. */
export const AUDIT_RETENTION_SECONDS = 400 * 24 * 3600;

/** The kinds of records whose changes the stream writes into the audit trail (lib/stream/audit-trail.ts). */
export const AUDITED_RECORD_TYPES = [
  'tenant',
  'edge',
  'gateway-settings',
  'provider',
  'policy',
  'dial-plan',
  'rerouting',
  'user',
  'contact',
  'credential-record',
] as const;
/** What the audit trail holds: those records' changes, and people's decisions about dead letters. */
export const AUDIT_OBJECT_TYPES = [...AUDITED_RECORD_TYPES, 'dead-letter'] as const;

export const AuditRecordSchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({ credentialId: z.string(), role: z.string() }),
  objectType: z.string(),
  objectId: z.string(),
  /** replay and discard: a person's decision about a dead letter (objectType dead-letter), with its reason. */
  action: z.enum(['create', 'update', 'delete', 'replay', 'discard']),
  changedFields: z.array(z.string()),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  reason: z.string().optional(),
});
export type AuditRecord = z.infer<typeof AuditRecordSchema>;
