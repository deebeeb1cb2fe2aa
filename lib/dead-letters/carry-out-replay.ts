// A queued replay, carried out by the stream processor (lib/stream/process-stream.ts) from the
// change that queued it on the dead letter. So a replay gets what every stream record gets: a
// user's records in order, retries when its record fails, and crash safety (the record comes
// back; a replay already carried out is not carried out again).
//
//   provider event     → sent again under the same event id, signed now, through
//                        deliverOrDeadLetter with attempts of its own (OutgoingEvent.replay);
//   provisioning event → re-applied through the provisioning applier (idempotent per event id),
//                        as the person who asked for the replay, unless it could undo a newer
//                        change (replay-rules.ts);
// then the dead letter goes: delivered or applied, nothing is left to do; failed again, a new
// dead letter with the same id, the new reason and `replays` counted has been written first.
import { ROLES, type Actor, type Role } from '../domain/credential.js';
import type { DeadLetter, QueuedReplay } from '../domain/dead-letter.js';
import type { DeliveryDeps } from '../provider-events/deliver-or-dead-letter.js';
import type { ProviderEvent } from '../provider-events/event-schemas.js';
import type { OutgoingEvent } from '../provider-events/events-for-change.js';
import type { createProvisioningApplier, ProvisioningDeps } from '../provisioning/apply-provisioning-events.js';
import type { StreamChange } from '../store/stream-records.js';
import { principalOf, provisioningEventOf, staleReason } from './replay-rules.js';

/** A dead letter with the replay queued on it. */
export type QueuedDeadLetter = DeadLetter & { replay: QueuedReplay };

export type ReplayDeps = DeliveryDeps & ProvisioningDeps;

type ProvisioningApplier = ReturnType<typeof createProvisioningApplier>;

/** The replay a change of a dead letter queues, or null: a new dead letter, its removal, or anything else. */
export function queuedReplayOf(change: StreamChange): QueuedDeadLetter | null {
  if (change.entity !== 'dead-letter' || change.after?.replay === undefined) return null;
  const { after, before } = change;
  return after.replay !== undefined && after.replay.id !== before?.replay?.id ? { ...after, replay: after.replay } : null;
}

/** A provider event's replay as the delivery path takes it: the event as it was, attempts of its own. */
export function outgoingOfReplay(deadLetter: QueuedDeadLetter): OutgoingEvent {
  return {
    providerId: deadLetter.providerId ?? '',
    subject: deadLetter.subject,
    migration: deadLetter.migration ?? null,
    // Written by deliverOrDeadLetter from the ProviderEvent it could not deliver: sent again byte for byte as it was.
    event: deadLetter.event as ProviderEvent,
    replay: { id: deadLetter.replay.id, failedBefore: deadLetter.replays ?? 0 },
  };
}

/** Whether the replay is still to be carried out: its dead letter is there with this replay queued (not done, superseded or discarded). */
export async function isStillQueued(deps: ReplayDeps, tenantId: string, queued: QueuedDeadLetter): Promise<boolean> {
  const current = await deps.events.getDeadLetter(tenantId, queued);
  return current?.replay?.id === queued.replay.id;
}

/** The person who asked for the replay, as the applier's writes name them (and the audit trail after it). */
function requesterOf(replay: QueuedReplay, tenantId: string): Actor {
  const role = ROLES.find((known): known is Role => known === replay.requestedBy.role) ?? 'user-admin';
  return { credentialId: replay.requestedBy.credentialId, role, tenantId: role === 'operator' ? null : tenantId, providerId: null };
}

/** Re-applies a provisioning event: applied, unchanged, or dead-lettered again with the reason. Throws only for transient failures. */
export async function reapplyProvisioningEvent(
  deps: ReplayDeps,
  applier: ProvisioningApplier,
  tenantId: string,
  queued: QueuedDeadLetter,
): Promise<void> {
  const replayOf = { deadLetterId: queued.id, failedBefore: queued.replays ?? 0 };
  const event = provisioningEventOf(queued);
  const principal = event === undefined ? undefined : principalOf(event);
  if (principal !== undefined) {
    const stale = staleReason(queued, principal.sipUri, await deps.store.principals.get(tenantId, principal.sipUri));
    if (stale !== null) {
      await deps.events.putDeadLetter(tenantId, {
        id: queued.id,
        kind: queued.kind,
        eventId: queued.eventId,
        type: queued.type,
        providerId: queued.providerId,
        subject: principal.field,
        reason: stale,
        attempts: queued.attempts,
        lastStatus: 409,
        deadLetteredAt: deps.now().toISOString(),
        event: queued.event,
        replays: replayOf.failedBefore + 1,
      });
      return;
    }
  }
  const text = typeof queued.event === 'string' ? queued.event : JSON.stringify(queued.event);
  await applier.applyMessage(text, requesterOf(queued.replay, tenantId), tenantId, replayOf);
}

/** The replay is carried out: its dead letter goes (a replay that failed has written its new one before). */
export const finishReplay = (deps: ReplayDeps, tenantId: string, queued: QueuedDeadLetter): Promise<void> =>
  deps.events.removeReplayed(tenantId, queued, queued.replay.id);
