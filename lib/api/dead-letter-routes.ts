// The dead letters: provider events that could not be delivered and provisioning events that
// could not be applied, each with the reason. Readers list and read them; user admins (whose
// users, contacts and migrations the events are about) replay or discard them, with a reason.
import * as z from 'zod';
import { DeadLetterSchema } from '../domain/dead-letter.js';
import { name, tenantId } from '../domain/fields.js';
import * as deadLetters from '../dead-letters/dead-letters.js';
import { dryRunQuery, noQuery, pageQuery } from './http.js';
import { READERS, USER_ADMINS, route, writeResult, type Route } from './route.js';
import { TENANT_PATH, tenantParams } from './tenant-path.js';

const BASE = `${TENANT_PATH}/dead-letters`;
const deadLetterParams = z.strictObject({
  tenant: tenantId(),
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, { error: 'not a dead letter id' }),
});

const reason = z
  .string({
    error: (issue) => (issue.input === undefined ? 'a reason is required: the audit trail tells it to the next person' : undefined),
  })
  .trim()
  .min(1, { error: 'a reason is required: the audit trail tells it to the next person' })
  .max(1000, { error: 'must be at most 1000 characters' })
  .meta({ description: 'Why: kept in the audit trail' });

/** A dead letter as the API answers it: as kept, with when it expires if neither replayed nor discarded. */
const DeadLetterAnswerSchema = DeadLetterSchema.extend({
  expiresAt: z
    .number()
    .int()
    .optional()
    .meta({ description: 'When the dead letter is removed if neither replayed nor discarded (Unix seconds)' }),
});

const toIsoTime = (time: string) => new Date(time).toISOString();
// Normalised as dead letters' times are written (milliseconds, Z): the range compares text.
const isoTime = (example: string) =>
  z.iso
    .datetime({ error: `must be an ISO 8601 time such as ${example}` })
    .transform(toIsoTime)
    .optional();

export const deadLetterRoutes: Route[] = [
  route({
    method: 'GET',
    path: BASE,
    summary: 'Provider events that could not be delivered and provisioning events that could not be applied, newest first, with the reason',
    roles: READERS,
    successStatus: 200,
    params: tenantParams,
    query: z.strictObject(pageQuery),
    response: z.object({ items: z.array(DeadLetterAnswerSchema), nextCursor: z.string().nullable() }),
    handle: async ({ params, query }, deps) => ({
      status: 200,
      body: await deps.events.listDeadLetters(params.tenant, query.cursor ?? null, query.limit),
    }),
  }),
  route({
    method: 'GET',
    path: `${BASE}/{id}`,
    summary: 'A dead letter, with the replay queued on it if any',
    roles: READERS,
    successStatus: 200,
    params: deadLetterParams,
    query: noQuery,
    response: DeadLetterAnswerSchema,
    handle: async ({ params }, deps) => ({ status: 200, body: await deadLetters.getDeadLetter(deps, params.tenant, params.id) }),
  }),
  route({
    method: 'POST',
    path: `${BASE}/{id}/replay`,
    summary:
      'Replay a dead letter: its provider event is sent again under the same event id, or its provisioning event applied again; queued, carried out from the stream',
    roles: USER_ADMINS,
    successStatus: 202,
    params: deadLetterParams,
    query: dryRunQuery,
    body: z.strictObject({ reason }),
    response: DeadLetterAnswerSchema,
    handle: async ({ actor, params, body, write }, deps) =>
      writeResult(await deadLetters.replayDeadLetter(deps, actor, params.tenant, params.id, body.reason, write.dryRun), 202),
  }),
  route({
    method: 'POST',
    path: `${BASE}/replay`,
    summary: `Replay every dead letter a filter selects (all by default), oldest first, up to ${deadLetters.REPLAY_ALL_MAX} a request; the answer says what was queued`,
    roles: USER_ADMINS,
    successStatus: 202,
    params: tenantParams,
    query: dryRunQuery,
    body: z.strictObject({
      reason,
      kind: z.enum(['provider-event', 'provisioning-event']).optional(),
      providerId: name('provider id').optional(),
      from: isoTime('2026-11-25T00:00:00Z').meta({ description: 'Dead-lettered at or after' }),
      to: isoTime('2026-11-25T23:59:59Z').meta({ description: 'Dead-lettered at or before (default: now)' }),
    }),
    response: deadLetters.ReplayAllAnswerSchema,
    handle: async ({ actor, params, body, write }, deps) => {
      const { reason: why, ...filter } = body;
      const answer = await deadLetters.replayDeadLetters(deps, actor, params.tenant, filter, why, write.dryRun);
      return { status: write.dryRun ? 200 : 202, body: answer };
    },
  }),
  route({
    method: 'POST',
    path: `${BASE}/{id}/discard`,
    summary: 'Discard a dead letter for good, with the reason (kept in the audit trail); answers it as it was',
    roles: USER_ADMINS,
    successStatus: 200,
    params: deadLetterParams,
    query: dryRunQuery,
    body: z.strictObject({ reason }),
    response: DeadLetterAnswerSchema,
    handle: async ({ actor, params, body, write }, deps) =>
      writeResult(await deadLetters.discardDeadLetter(deps, actor, params.tenant, params.id, body.reason, write.dryRun), 200),
  }),
];
