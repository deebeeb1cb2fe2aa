// When a provisioning event's replay would do harm, decided the same way when the replay is asked
// for (the API refuses it) and when it is carried out (the stream processor dead-letters it again,
// with the reason): an event kept as text that is not JSON can never be applied, and an event
// about a user or contact changed since it was dead-lettered could undo that change.
import type { DeadLetter } from '../domain/dead-letter.js';
import { ProvisioningEventSchema } from '../provisioning/provisioning-events.js';

/** The event a provisioning dead letter holds, as JSON; undefined when it was kept as text that is not JSON. */
export function provisioningEventOf(deadLetter: DeadLetter): unknown {
  if (typeof deadLetter.event !== 'string') return deadLetter.event;
  try {
    return JSON.parse(deadLetter.event);
  } catch {
    // Text that is not JSON: the caller says so.
    return undefined;
  }
}

/** The user or contact a provisioning event writes, and the field that names it; undefined for other events. */
export function principalOf(event: unknown): { sipUri: string; field: string } | undefined {
  const parsed = ProvisioningEventSchema.safeParse(event);
  if (!parsed.success) return undefined;
  const provisioning = parsed.data;
  switch (provisioning['detail-type']) {
    case 'user.upserted':
      return { sipUri: provisioning.detail.user.sipUri, field: 'detail.user.sipUri' };
    case 'contact.upserted':
      return { sipUri: provisioning.detail.contact.sipUri, field: 'detail.contact.sipUri' };
    case 'user.removed':
    case 'contact.removed':
      return { sipUri: provisioning.detail.sipUri, field: 'detail.sipUri' };
    case 'migration.requested':
      // Starting a migration re-checks every user's state itself (one open migration per user).
      return undefined;
  }
}

/**
 * Why re-applying this provisioning event now could undo a newer change, or null when it cannot.
 * An upsert carries the fields its source had when it sent it, a removal removes whatever is
 * there: if the user or contact changed after the event was dead-lettered (another event, an
 * admin, a migration), applying it now would write over that change. Conservative on purpose: the
 * change since may have touched other fields, but only the source can say what is current.
 */
export function staleReason(deadLetter: DeadLetter, sipUri: string, principal: { updatedAt: string } | undefined): string | null {
  if (principal === undefined || principal.updatedAt <= deadLetter.deadLetteredAt) return null;
  return (
    `${sipUri} changed at ${principal.updatedAt}, after this event was dead-lettered (${deadLetter.deadLetteredAt}): ` +
    'applying it now could undo that change; discard it, and have the source send the current state again'
  );
}
