// What a person does with dead letters: look at one, replay one or all of a tenant's, discard one.
// A replay is queued, not carried out here: it is written onto the dead letter, and the stream
// processor carries it out from that change (carry-out-replay.ts), through the same delivery path
// as every provider event. Every replay and discard names its reason, which the audit trail keeps.
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { Actor } from '../domain/credential.js';
import { DeadLetterSchema, type DeadLetter, type QueuedReplay } from '../domain/dead-letter.js';
import { ExumError, notFound, refused } from '../errors.js';
import { describeChange, type ManagementDeps, type WriteOutcome } from '../management/write-context.js';
import type { EventStore } from '../store/event-store.js';
import { principalOf, provisioningEventOf, staleReason } from './replay-rules.js';

export type DeadLetterDeps = Pick<ManagementDeps, 'store' | 'now'> & { events: EventStore };

/** Dead letters one replay-all request queues at most: the writes stay well within an API request's time. */
export const REPLAY_ALL_MAX = 500;

export interface ReplayAllFilter {
  kind?: DeadLetter['kind'];
  providerId?: string;
  /** Dead-lettered from, to (ISO 8601, inclusive); `to` defaults to the time of the request. */
  from?: string;
  to?: string;
}

const DeadLetterSummarySchema = DeadLetterSchema.pick({
  id: true,
  kind: true,
  type: true,
  providerId: true,
  subject: true,
  deadLetteredAt: true,
});
/** A dead letter as a replay-all answer lists it. */
export type DeadLetterSummary = z.infer<typeof DeadLetterSummarySchema>;

/** The answer to a replay of all of a tenant's dead letters (or those a filter selects). */
export const ReplayAllAnswerSchema = z.object({
  dryRun: z.boolean(),
  to: z
    .string()
    .meta({ description: 'The upper bound used (dead-lettered up to then): send it again as `to` to go on with the same dead letters' }),
  matched: z.number().int().meta({ description: 'Dead letters the filter selects' }),
  queued: z
    .array(
      DeadLetterSummarySchema.extend({ replayId: z.string().nullable().meta({ description: 'The replay queued (null in a dry run)' }) }),
    )
    .meta({ description: "Replays queued by this request (a dry run's: would be), oldest first, so a user's events keep their order" }),
  skipped: z
    .array(z.object({ id: z.string(), reason: z.string() }))
    .meta({ description: 'Selected but not queued: a replay already queued, or refused (the reason says why)' }),
  remaining: z
    .number()
    .int()
    .meta({ description: `Selected but beyond the ${REPLAY_ALL_MAX} one request queues: send it again` }),
});
export type ReplayAllAnswer = z.infer<typeof ReplayAllAnswerSchema>;

const summaryOf = ({ id, kind, type, providerId, subject, deadLetteredAt }: DeadLetter): DeadLetterSummary => ({
  id,
  kind,
  type,
  providerId,
  subject,
  deadLetteredAt,
});

const newReplay = (actor: Actor, reason: string, at: Date): QueuedReplay => ({
  id: `rpl_${randomBytes(9).toString('base64url')}`,
  requestedAt: at.toISOString(),
  requestedBy: { credentialId: actor.credentialId, role: actor.role },
  reason,
});

export async function getDeadLetter(deps: DeadLetterDeps, tenantId: string, id: string): Promise<DeadLetter> {
  const deadLetter = await deps.events.findDeadLetter(tenantId, id);
  if (deadLetter === undefined) throw notFound(`dead letter ${id}`);
  return deadLetter;
}

/**
 * Why this dead letter may not be replayed now (a 409 naming the rule), or null. Provider events
 * always may: the provider de-duplicates on the event id. Provisioning events are refused when
 * re-applying could never work or could undo a newer change (replay-rules.ts).
 */
async function refusalOf(deps: DeadLetterDeps, tenantId: string, deadLetter: DeadLetter): Promise<ExumError | null> {
  if (deadLetter.kind === 'provider-event') return null;
  const event = provisioningEventOf(deadLetter);
  if (event === undefined)
    return refused('id', 'replayable', `dead letter ${deadLetter.id} holds text that is not JSON: it can never be applied; discard it`);
  const principal = principalOf(event);
  if (principal === undefined) return null;
  const current = await deps.store.principals.get(tenantId, principal.sipUri);
  const stale = staleReason(deadLetter, principal.sipUri, current);
  return stale === null ? null : refused('id', 'provisioning-event-not-stale', stale);
}

/** Queues the replay of one dead letter; a replay already queued is superseded (it will then do nothing). */
export async function replayDeadLetter(
  deps: DeadLetterDeps,
  actor: Actor,
  tenantId: string,
  id: string,
  reason: string,
  dryRun: boolean,
): Promise<WriteOutcome<DeadLetter>> {
  const deadLetter = await getDeadLetter(deps, tenantId, id);
  const refusal = await refusalOf(deps, tenantId, deadLetter);
  if (refusal !== null) throw refusal;
  const replay = newReplay(actor, reason, deps.now());
  const earlier = deadLetter.replay;
  const warnings =
    earlier === undefined
      ? []
      : [
          `the replay queued at ${earlier.requestedAt} by ${earlier.requestedBy.credentialId} was not carried out yet: this one supersedes it (one delivery, under the same event id)`,
        ];
  if (dryRun) return { dryRun: true, changes: [describeChange('dead-letter', id, deadLetter, { ...deadLetter, replay })], warnings };
  const queued = await deps.events.queueReplay(tenantId, deadLetter, replay, false);
  // Gone since it was read: discarded, or a replay carried out meanwhile.
  if (queued === undefined) throw notFound(`dead letter ${id}`);
  return { dryRun: false, record: queued, warnings };
}

/**
 * Queues the replay of every dead letter of a tenant the filter selects, oldest first, up to
 * REPLAY_ALL_MAX; those with a replay already queued are left as they are, so sending the same
 * request again goes on where the last one stopped.
 */
export async function replayDeadLetters(
  deps: DeadLetterDeps,
  actor: Actor,
  tenantId: string,
  filter: ReplayAllFilter,
  reason: string,
  dryRun: boolean,
): Promise<ReplayAllAnswer> {
  const to = filter.to ?? deps.now().toISOString();
  const matching = (await deps.events.deadLettersBetween(tenantId, filter.from, to)).filter(
    (deadLetter) =>
      (filter.kind === undefined || deadLetter.kind === filter.kind) &&
      (filter.providerId === undefined || deadLetter.providerId === filter.providerId),
  );
  const answer: ReplayAllAnswer = { dryRun, to, matched: matching.length, queued: [], skipped: [], remaining: 0 };
  for (const deadLetter of matching) {
    if (deadLetter.replay !== undefined) {
      answer.skipped.push({ id: deadLetter.id, reason: `a replay is already queued (${deadLetter.replay.requestedAt})` });
      continue;
    }
    if (answer.queued.length >= REPLAY_ALL_MAX) {
      answer.remaining++;
      continue;
    }
    const refusal = await refusalOf(deps, tenantId, deadLetter);
    if (refusal !== null) {
      answer.skipped.push({ id: deadLetter.id, reason: refusal.message });
      continue;
    }
    if (dryRun) {
      answer.queued.push({ ...summaryOf(deadLetter), replayId: null });
      continue;
    }
    // One write after another: the stream then carries the replays out in this order.
    const replay = newReplay(actor, reason, deps.now());
    if ((await deps.events.queueReplay(tenantId, deadLetter, replay, true)) === undefined) {
      answer.skipped.push({ id: deadLetter.id, reason: 'discarded, replayed or queued by someone else meanwhile' });
      continue;
    }
    answer.queued.push({ ...summaryOf(deadLetter), replayId: replay.id });
  }
  return answer;
}

/** Discards one dead letter for good, with the reason; a replay still queued then does nothing. */
export async function discardDeadLetter(
  deps: DeadLetterDeps,
  actor: Actor,
  tenantId: string,
  id: string,
  reason: string,
  dryRun: boolean,
): Promise<WriteOutcome<DeadLetter>> {
  const deadLetter = await getDeadLetter(deps, tenantId, id);
  const warnings =
    deadLetter.replay === undefined
      ? []
      : [`its replay queued at ${deadLetter.replay.requestedAt} will do nothing (unless it is being carried out at this moment)`];
  if (dryRun) return { dryRun: true, changes: [describeChange('dead-letter', id, deadLetter, null)], warnings };
  await deps.events.discardDeadLetter(
    tenantId,
    deadLetter,
    { credentialId: actor.credentialId, role: actor.role },
    deps.now().toISOString(),
    reason,
  );
  return { dryRun: false, record: deadLetter, warnings };
}
