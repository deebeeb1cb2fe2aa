// A dead letter: a provider event that could not be delivered, or a provisioning event that could
// not be applied, kept with the reason so a person can replay it or discard it. Written by the
// event pipelines (lib/provider-events/, lib/provisioning/), kept by the event store, replayed
// from the stream (lib/dead-letters/).
import * as z from 'zod';

/** Who did something, as recorded on an item (the actor's credential and role). */
const WhoSchema = z.object({ credentialId: z.string(), role: z.string() });

/**
 * A replay asked for and not yet carried out. Writing it onto the dead letter is what queues it:
 * the stream processor reads the change from the table's stream and replays the event.
 */
export const QueuedReplaySchema = z.object({
  id: z.string().meta({ description: 'This replay: a newer replay of the same dead letter supersedes it' }),
  requestedAt: z.string(),
  requestedBy: WhoSchema,
  reason: z.string(),
});
export type QueuedReplay = z.infer<typeof QueuedReplaySchema>;

export const DeadLetterSchema = z.object({
  id: z
    .string()
    .meta({ description: 'The event id for provider events (the same after a failed replay); a random id for provisioning events' }),
  kind: z.enum(['provider-event', 'provisioning-event']),
  eventId: z.string(),
  type: z.string(),
  providerId: z.string().nullable(),
  subject: z
    .string()
    .meta({ description: 'The user or contact the event is about (provider events), or the field at fault (provisioning events)' }),
  reason: z.string(),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  deadLetteredAt: z.string(),
  event: z.unknown().meta({ description: 'The event as it would have been delivered' }),
  /** The migration step a provider event reports, so a replay's outcome shows on the migration too. */
  migration: z.object({ migrationId: z.string(), sipUri: z.string() }).nullable().optional(),
  replays: z.number().int().optional().meta({ description: 'How many replays of this event have failed before (absent: none)' }),
  replay: QueuedReplaySchema.optional().meta({ description: 'A replay queued and not yet carried out' }),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

/** What names a dead letter in the table: its id and when it was dead-lettered (the list is by time). */
export type DeadLetterRef = Pick<DeadLetter, 'id' | 'deadLetteredAt'>;
