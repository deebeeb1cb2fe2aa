// Delivery of a provider event with its bookkeeping: every failed attempt counted (in the table,
// through the event store), retryable failures retried with bounded backoff (here, then by the
// stream's redelivery), permanent failures and exhausted retries dead-lettered with the reason.
// Nothing is dropped: an event is delivered, dead-lettered, or its stream record fails and comes
// back. Its bounds, and every other bound on the event's way, are listed in delivery-bounds.ts.
// A dead letter's replay (lib/dead-letters/) comes this same way, with attempts of its own.
import type { EndpointPolicy } from '../domain/endpoint-rules.js';
import type { DeliveryAttempt } from '../domain/migration.js';
import type { EventStore } from '../store/event-store.js';
import type { MigrationStore } from '../store/migration-store.js';
import { MAX_ATTEMPTS, RETRY_BACKOFF_MS } from './delivery-bounds.js';
import type { OutgoingEvent } from './events-for-change.js';
import type { Resolver } from './endpoint-guard.js';
import type { EndpointLookup } from './provider-endpoints.js';
import { postSignedEvent, type PostOutcome } from './signed-post.js';

export class RetryableDeliveryError extends Error {
  override readonly name = 'RetryableDeliveryError';
}

export interface DeliveryDeps {
  events: EventStore;
  migrations: MigrationStore;
  now: () => Date;
  endpointOf: EndpointLookup;
  /** What an endpoint may be (lib/domain/endpoint-rules.ts); absent: the strict rules, as in AWS. */
  endpointPolicy?: EndpointPolicy;
  /** How endpoint names are resolved; absent: the system's resolver (tests inject their own). */
  resolve?: Resolver;
  /** Shorter bounds than delivery-bounds.ts's, for tests. */
  timeoutMs?: number;
  backoffMs?: readonly number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What an event's delivery is kept under (its failed attempts, its settled marker): the event id,
 * or for a replay the event id and the replay's, so a replay starts with attempts of its own and
 * is not taken for the delivery that was dead-lettered. The provider sees the event id either way.
 */
export const deliveryIdOf = (outgoing: OutgoingEvent): string =>
  outgoing.replay === undefined ? outgoing.event.id : `${outgoing.event.id}.replay.${outgoing.replay.id}`;

async function deadLetter(
  deps: DeliveryDeps,
  tenantId: string,
  outgoing: OutgoingEvent,
  reason: string,
  attempts: number,
  lastStatus: number | null,
): Promise<void> {
  const at = deps.now().toISOString();
  await deps.events.putDeadLetter(tenantId, {
    id: outgoing.event.id,
    kind: 'provider-event',
    eventId: outgoing.event.id,
    type: outgoing.event.type,
    providerId: outgoing.providerId,
    subject: outgoing.subject,
    reason,
    attempts,
    lastStatus,
    deadLetteredAt: at,
    event: outgoing.event,
    migration: outgoing.migration,
    ...(outgoing.replay === undefined ? {} : { replays: outgoing.replay.failedBefore + 1 }),
  });
}

async function recordOnMigration(
  deps: DeliveryDeps,
  tenantId: string,
  outgoing: OutgoingEvent,
  outcome: DeliveryAttempt['outcome'],
  result: PostOutcome | null,
  error: string | null,
): Promise<void> {
  if (outgoing.migration === null) return;
  await deps.migrations.recordDelivery(tenantId, outgoing.migration, {
    eventId: outgoing.event.id,
    type: outgoing.event.type,
    at: deps.now().toISOString(),
    outcome,
    status: result === null ? null : result.status,
    error,
  });
}

/** Delivers one event or dead-letters it; throws RetryableDeliveryError to have the record retried. */
export async function deliverOrDeadLetter(
  deps: DeliveryDeps,
  tenantId: string,
  outgoing: OutgoingEvent,
): Promise<'delivered' | 'dead-lettered'> {
  const endpoint = await deps.endpointOf(tenantId, outgoing.providerId);
  if (endpoint === undefined) {
    const reason = `provider ${outgoing.providerId} has no event endpoint`;
    await deadLetter(deps, tenantId, outgoing, reason, 0, null);
    await recordOnMigration(deps, tenantId, outgoing, 'dead-lettered', null, reason);
    return 'dead-lettered';
  }
  const backoff = deps.backoffMs ?? RETRY_BACKOFF_MS;
  for (let tryHere = 0; ; tryHere++) {
    const result = await postSignedEvent(endpoint, outgoing.event, {
      ...(deps.timeoutMs === undefined ? {} : { timeoutMs: deps.timeoutMs }),
      ...(deps.endpointPolicy === undefined ? {} : { policy: deps.endpointPolicy }),
      ...(deps.resolve === undefined ? {} : { resolve: deps.resolve }),
      now: deps.now,
    });
    if (result.outcome === 'delivered') {
      await recordOnMigration(deps, tenantId, outgoing, 'delivered', result, null);
      return 'delivered';
    }
    // Only failed attempts are counted (a first success costs no write): attempts = failures.
    const attempts = await deps.events.countAttempt(tenantId, deliveryIdOf(outgoing), deps.now().toISOString());
    if (result.outcome === 'permanent' || attempts >= MAX_ATTEMPTS) {
      // A refused endpoint (status null) is never retried: its reason names the rule or the address.
      const reason =
        result.outcome === 'permanent'
          ? result.status === null
            ? result.error
            : `the provider refused the event: ${result.error}`
          : `gave up after ${attempts} attempts: ${result.error}`;
      await deadLetter(deps, tenantId, outgoing, reason, attempts, result.status);
      await recordOnMigration(deps, tenantId, outgoing, 'dead-lettered', result, reason);
      return 'dead-lettered';
    }
    await recordOnMigration(deps, tenantId, outgoing, 'retrying', result, result.error);
    if (tryHere >= backoff.length)
      throw new RetryableDeliveryError(
        `${outgoing.event.type} ${outgoing.event.id} to ${outgoing.providerId}: ${result.error} (attempt ${attempts})`,
      );
    await sleep(backoff[tryHere]!);
  }
}
