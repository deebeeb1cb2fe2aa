// The audit trail: who changed which object when, the fields before and after (and who replayed
// or discarded which dead letter, and why), for readers.
import * as z from 'zod';
import { AUDIT_OBJECT_TYPES, AUDIT_RETENTION_SECONDS, AuditRecordSchema } from '../domain/audit-record.js';
import { pageQuery } from './http.js';
import { READERS, route, type Route } from './route.js';
import { TENANT_PATH, tenantParams } from './tenant-path.js';

const toIsoTime = (time: string) => new Date(time).toISOString();

export const auditRoutes: Route[] = [
  route({
    method: 'GET',
    path: `${TENANT_PATH}/audit`,
    summary: `The audit trail, newest first: who changed which object when, fields before and after (kept ${AUDIT_RETENTION_SECONDS / 86_400} days)`,
    roles: READERS,
    successStatus: 200,
    params: tenantParams,
    query: z.strictObject({
      ...pageQuery,
      objectType: z.enum(AUDIT_OBJECT_TYPES).optional(),
      objectId: z.string().max(512).optional(),
      credentialId: z.string().max(128).optional(),
      // Normalised as the records' times are written (milliseconds, Z): the range compares text.
      from: z.iso.datetime({ error: 'must be an ISO 8601 time such as 2026-11-25T00:00:00Z' }).transform(toIsoTime).optional(),
      to: z.iso.datetime({ error: 'must be an ISO 8601 time such as 2026-11-25T23:59:59Z' }).transform(toIsoTime).optional(),
    }),
    response: z.object({ items: z.array(AuditRecordSchema), nextCursor: z.string().nullable() }),
    handle: async ({ params, query }, deps) => {
      const { limit, cursor, ...filter } = query;
      return { status: 200, body: await deps.events.queryAudit(params.tenant, filter, cursor ?? null, limit) };
    },
  }),
];
