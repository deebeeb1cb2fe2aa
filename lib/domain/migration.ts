// Migrations of users' voicemail to a hosted provider, in waves (domain reference, section 5).
// A migration user moves pending → requested → completed | failed, and from requested or
// completed may be rolled back; cancelling a migration cancels what is still pending.
import * as z from 'zod';
import { FieldIssueSchema } from '../errors.js';
import { fqdn, name, recordMeta, sipAddress, text } from './fields.js';
import { grantedTag } from './voicemail-policy.js';

export const MIGRATION_USER_STATES = ['pending', 'requested', 'completed', 'failed', 'rolled-back', 'cancelled'] as const;
export type MigrationUserState = (typeof MIGRATION_USER_STATES)[number];

/** States in which a user still belongs to its migration (and to no other). */
export const OPEN_USER_STATES: readonly MigrationUserState[] = ['pending', 'requested'];

export const MigrationCreateSchema = z
  .strictObject({
    users: z.array(sipAddress()).min(1).max(10_000).optional().meta({ description: 'SIP addresses; or give a filter' }),
    filter: z
      .strictObject({
        site: name('site').optional(),
        domain: fqdn().optional(),
        lineUriPrefix: z
          .string()
          .regex(/^tel:\+[0-9]{0,15}$/i, { error: 'must be tel:+ followed by digits' })
          .transform((prefix) => prefix.replace(/^tel:/i, 'tel:'))
          .optional(),
      })
      .optional()
      .meta({ description: 'Selects users by site, SIP domain and/or line URI prefix (combined with AND)' }),
    providerId: name('provider id'),
    grantPolicy: grantedTag().optional().meta({ description: 'A policy tag granted to each user when it is requested' }),
    waveSize: z.number().int().min(1).max(1000).default(50),
  })
  .superRefine((input, ctx) => {
    if ((input.users === undefined) === (input.filter === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['users'], message: 'give either users or a filter', params: { rule: 'users-or-filter' } });
    }
    if (input.users !== undefined && new Set(input.users).size !== input.users.length) {
      ctx.addIssue({ code: 'custom', path: ['users'], message: 'a user may appear only once', params: { rule: 'unique-users' } });
    }
  });
export type MigrationCreate = z.infer<typeof MigrationCreateSchema>;

/**
 * enrolling: accepted, its users being checked and enrolled in the background (the stream
 * processor); running: enrolled, in waves; refused: a check failed while enrolling (refusal says
 * which users and rules), nobody was left in it; completed; cancelled.
 */
export const MIGRATION_STATES = ['enrolling', 'running', 'completed', 'cancelled', 'refused'] as const;
export type MigrationState = (typeof MIGRATION_STATES)[number];

/** Why an enrolling migration was refused: what a start refused at once would have answered. */
export const MigrationRefusalSchema = z.object({
  status: z.number().int().meta({ description: 'The status a start refused at once answers (409 or 400)' }),
  detail: z.string(),
  errors: z.array(FieldIssueSchema).meta({ description: 'Each user (users.N, or filter) and the rule it broke' }),
});
export type MigrationRefusal = z.infer<typeof MigrationRefusalSchema>;

export const MigrationSchema = z.object({
  id: z.string(),
  providerId: z.string(),
  grantPolicy: z.string().nullable(),
  waveSize: z.number().int(),
  state: z.enum(MIGRATION_STATES),
  currentWave: z.number().int(),
  waveCount: z.number().int().meta({ description: 'While enrolling by filter: 0 until the users are selected' }),
  userCount: z.number().int().meta({ description: 'Users asked for (while enrolling by filter: 0 until selected)' }),
  refusal: MigrationRefusalSchema.nullable().default(null).meta({ description: 'Set when the migration is refused while enrolling' }),
  ...recordMeta,
});
export type Migration = z.infer<typeof MigrationSchema>;

export const DeliveryAttemptSchema = z.object({
  eventId: z.string(),
  type: z.string(),
  at: z.string(),
  outcome: z.enum(['delivered', 'retrying', 'dead-lettered']),
  status: z.number().int().nullable(),
  error: z.string().nullable(),
});
export type DeliveryAttempt = z.infer<typeof DeliveryAttemptSchema>;

export const MigrationUserSchema = z.object({
  migrationId: z.string(),
  providerId: z.string(),
  sipUri: z.string(),
  lineUri: z.string().nullable(),
  displayName: z.string().nullable(),
  /** Where the user's voicemail will go once hosted (the effective policy at the start). */
  destination: z.string().nullable(),
  organizations: z.array(z.string()),
  wave: z.number().int().positive(),
  state: z.enum(MIGRATION_USER_STATES),
  steps: z.object({
    addedAt: z.string(),
    requestedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    failedAt: z.string().nullable(),
    rolledBackAt: z.string().nullable(),
    cancelledAt: z.string().nullable(),
  }),
  failureReason: z.string().nullable(),
  lastDelivery: DeliveryAttemptSchema.nullable(),
  version: z.number().int().positive(),
});
export type MigrationUser = z.infer<typeof MigrationUserSchema>;

export const ProviderAnswerSchema = z
  .strictObject({
    status: z.enum(['ready', 'failed']),
    reason: text(1024).optional().meta({ description: 'Why the mailbox could not be provisioned (failed only)' }),
  })
  .superRefine((input, ctx) => {
    if (input.status === 'failed' && (input.reason === undefined || input.reason.trim() === '')) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a failed answer says why', params: { rule: 'failure-reason' } });
    }
  });
export type ProviderAnswer = z.infer<typeof ProviderAnswerSchema>;

export const RollbackSchema = z.strictObject({
  users: z.array(sipAddress()).min(1).max(10_000).optional().meta({ description: 'Some users; all rollable users when absent' }),
});

/** Splits users into waves of `waveSize`, in the order given. */
export function planWaves<T>(users: readonly T[], waveSize: number): T[][] {
  const waves: T[][] = [];
  for (let start = 0; start < users.length; start += waveSize) waves.push(users.slice(start, start + waveSize));
  return waves;
}

/** Counts of users per state, every state present. */
export function countByState(users: readonly Pick<MigrationUser, 'state'>[]): Record<MigrationUserState, number> {
  const counts = Object.fromEntries(MIGRATION_USER_STATES.map((state) => [state, 0])) as Record<MigrationUserState, number>;
  for (const user of users) counts[user.state]++;
  return counts;
}
