// Users created or updated in a batch, for user admins: each row is parsed and answered on its
// own, so one bad row never stops the good ones (lib/management/user-batch.ts).
import * as z from 'zod';
import { UserUpsertSchema } from '../domain/user.js';
import { FieldIssueSchema, issuesFromZod } from '../errors.js';
import { MAX_BATCH_ROWS, upsertUsers, type BatchRow } from '../management/user-batch.js';
import { dryRunQuery } from './http.js';
import { USER_ADMINS, route, type Route } from './route.js';
import { TENANT_PATH, tenantParams } from './tenant-path.js';

/** A batch's rows are about 300 bytes each; API Gateway and Lambda take far more. */
const BATCH_MAX_BODY_BYTES = 1024 * 1024;

const UserBatchAnswerSchema = z.object({
  dryRun: z.boolean(),
  counts: z.object({ created: z.number().int(), updated: z.number().int(), unchanged: z.number().int(), failed: z.number().int() }),
  results: z.array(
    z.object({
      index: z.number().int().meta({ description: 'Position of the row in users' }),
      sipUri: z.string().nullable(),
      outcome: z.enum(['created', 'updated', 'unchanged', 'failed']),
      version: z.number().int().optional(),
      errors: z.array(FieldIssueSchema).optional(),
      warnings: z.array(z.string()).optional(),
    }),
  ),
});

export const userBatchRoutes: Route[] = [
  route({
    method: 'POST',
    path: `${TENANT_PATH}/users/batch`,
    summary: `Create or update up to ${MAX_BATCH_ROWS} users (absent fields kept, or defaulted for new users); each row is answered on its own`,
    roles: USER_ADMINS,
    successStatus: 200,
    maxBodyBytes: BATCH_MAX_BODY_BYTES,
    params: tenantParams,
    query: dryRunQuery,
    body: z.strictObject({
      users: z
        .array(z.unknown())
        .min(1)
        .max(MAX_BATCH_ROWS, { error: `at most ${MAX_BATCH_ROWS} rows a request` })
        .meta({ description: 'Rows shaped like UserUpsert: sipUri, then any fields of a user patch' }),
    }),
    response: UserBatchAnswerSchema,
    handle: async ({ actor, params, body, write }, deps) => {
      const rows = body.users.map((row, index): BatchRow => {
        const parsed = UserUpsertSchema.safeParse(row);
        if (parsed.success) return { index, user: parsed.data };
        const sipUri = (row as { sipUri?: unknown } | null)?.sipUri;
        return { index, sipUri: typeof sipUri === 'string' ? sipUri : null, issues: issuesFromZod(parsed.error) };
      });
      const results = await upsertUsers(deps, actor, params.tenant, rows, { dryRun: write.dryRun });
      const counts = { created: 0, updated: 0, unchanged: 0, failed: 0 };
      for (const result of results) counts[result.outcome]++;
      return { status: 200, body: { dryRun: write.dryRun, counts, results } };
    },
  }),
];
