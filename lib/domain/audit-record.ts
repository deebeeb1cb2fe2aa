// An entry of the audit trail: who changed which object when, with its fields before and after
// (secrets never). Written from the stream (lib/stream/audit-trail.ts), kept by the event store,
// read through the API.
import * as z from 'zod';

/** Audit records are kept for 400 days (a year and a quarter, for yearly reviews), then expire. */
export const AUDIT_RETENTION_SECONDS = 400 * 24 * 3600;

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
