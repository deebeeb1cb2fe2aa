// The tenant summary (section 1 of docs/domain.md): where each user and contact routes, judged
// from its own record, the counts of each route, and the mode those counts make. Pure: the store
// keeps the counts (lib/store/summary-store.ts), the management use case reads them.
import * as z from 'zod';
import type { Migration } from './migration.js';
import { ContactSchema, isHostedContact } from './contact.js';
import { isHostedVoicemail, UserSchema } from './user.js';

/**
 * Where a user or contact routes, from its record alone (section 3, rules 2, 3 and 5): not routable
 * when disabled or not enabled for Enterprise Voice; hosted by its effective flag (a user) or for
 * having no on-premises dial plan (a contact); on premises when a user is enabled for UM with a
 * dial plan, or a contact has a dial plan; otherwise (a user neither hosted nor UM-enabled with a
 * dial plan) not routable. Configuration problems (a disabled provider, a dial plan without servers)
 * are the routing diagnostics' business, not the count's.
 */
export const ROUTES = ['hosted', 'onPremises', 'notRoutable'] as const;
export type Route = (typeof ROUTES)[number];

export const CONTACT_KINDS = ['subscriber-access', 'auto-attendant'] as const;

/** What a principal is counted as: users together, contacts by kind. */
export const COUNTED_KINDS = ['user', ...CONTACT_KINDS] as const;
export type CountedKind = (typeof COUNTED_KINDS)[number];

/** The fields of a user or contact its route and kind depend on: what a recount reads. */
export const CountedPrincipalSchema = z.discriminatedUnion('type', [
  UserSchema.pick({ type: true, updatedAt: true, enabled: true, enterpriseVoiceEnabled: true, hostedVoicemail: true, onPremisesUm: true }),
  ContactSchema.pick({ type: true, updatedAt: true, kind: true, enabled: true, enterpriseVoiceEnabled: true, onPremisesDialPlan: true }),
]);
export type CountedPrincipal = z.infer<typeof CountedPrincipalSchema>;
export const COUNTED_FIELDS = [
  'type',
  'updatedAt',
  'kind',
  'enabled',
  'enterpriseVoiceEnabled',
  'hostedVoicemail',
  'onPremisesUm',
  'onPremisesDialPlan',
];

export function routeOf(principal: CountedPrincipal): Route {
  if (!principal.enabled || !principal.enterpriseVoiceEnabled) return 'notRoutable';
  if (principal.type === 'contact') return isHostedContact(principal) ? 'hosted' : 'onPremises';
  if (isHostedVoicemail(principal)) return 'hosted';
  return principal.onPremisesUm.enabled && principal.onPremisesUm.dialPlan !== null ? 'onPremises' : 'notRoutable';
}

export const kindOf = (principal: CountedPrincipal): CountedKind => (principal.type === 'user' ? 'user' : principal.kind);

/** One counter: a kind and a route. */
export type Bucket = `${CountedKind}:${Route}`;
export const BUCKETS: readonly Bucket[] = COUNTED_KINDS.flatMap((kind) => ROUTES.map((route) => `${kind}:${route}` as const));
export const bucketOf = (principal: CountedPrincipal): Bucket => `${kindOf(principal)}:${routeOf(principal)}`;

/** How the counters move when principals change: +1 for the bucket joined, -1 for the one left; unchanged buckets absent. */
export function bucketDeltas(changes: readonly { before: CountedPrincipal | null; after: CountedPrincipal | null }[]): Map<Bucket, number> {
  const deltas = new Map<Bucket, number>();
  const add = (bucket: Bucket, delta: number) => deltas.set(bucket, (deltas.get(bucket) ?? 0) + delta);
  for (const { before, after } of changes) {
    const left = before === null ? null : bucketOf(before);
    const joined = after === null ? null : bucketOf(after);
    if (left === joined) continue;
    if (left !== null) add(left, -1);
    if (joined !== null) add(joined, 1);
  }
  for (const [bucket, delta] of deltas) if (delta === 0) deltas.delete(bucket);
  return deltas;
}

export const MODES = ['on-premises', 'cross-premises', 'mixed'] as const;
export type Mode = (typeof MODES)[number];

const RouteCountsSchema = z.object({ hosted: z.number().int(), onPremises: z.number().int(), notRoutable: z.number().int() });
export type RouteCounts = z.infer<typeof RouteCountsSchema>;

/** Tallies principals into counts, every bucket present. */
export function tally(principals: Iterable<CountedPrincipal>, into: BucketCounts = emptyCounts()): BucketCounts {
  for (const principal of principals) into[bucketOf(principal)]++;
  return into;
}

/** Counts per bucket, every bucket present. */
export type BucketCounts = Record<Bucket, number>;
export const emptyCounts = (): BucketCounts => Object.fromEntries(BUCKETS.map((bucket) => [bucket, 0])) as BucketCounts;

const routeCounts = (counts: BucketCounts, kind: CountedKind): RouteCounts => ({
  hosted: counts[`${kind}:hosted`],
  onPremises: counts[`${kind}:onPremises`],
  notRoutable: counts[`${kind}:notRoutable`],
});

/**
 * The mode (section 1) from the counts of routable users and contacts (not routable ones are not
 * enabled for voicemail, so they do not count): on-premises when none routes hosted (an empty
 * tenant too: nothing of it is hosted), cross-premises when some route hosted and none on premises,
 * mixed when some of each.
 */
export function modeOf(counts: BucketCounts): Mode {
  const hosted = COUNTED_KINDS.reduce((sum, kind) => sum + counts[`${kind}:hosted`], 0);
  const onPremises = COUNTED_KINDS.reduce((sum, kind) => sum + counts[`${kind}:onPremises`], 0);
  if (hosted === 0) return 'on-premises';
  return onPremises === 0 ? 'cross-premises' : 'mixed';
}

/** The states the summary counts: one enrolling its users is open (running); a refused one never ran. */
export const MIGRATION_STATES = ['running', 'completed', 'cancelled'] as const satisfies readonly Migration['state'][];
export type MigrationState = (typeof MIGRATION_STATES)[number];

export const TenantSummarySchema = z.object({
  tenantId: z.string(),
  mode: z.enum(MODES).meta({ description: 'Derived from the counts, never stored (docs/domain.md, section 1)' }),
  users: RouteCountsSchema,
  contacts: z.object({ 'subscriber-access': RouteCountsSchema, 'auto-attendant': RouteCountsSchema }),
  migrations: z
    .object({ running: z.number().int(), completed: z.number().int(), cancelled: z.number().int() })
    .meta({ description: "The tenant's migrations by state; running ones are open" }),
  deadLetters: z.object({
    waiting: z.number().int().meta({ description: 'Dead letters not yet replayed away or discarded, counted up to `capped`' }),
    capped: z.boolean().meta({ description: 'True when there are more than `waiting`: the count stops there' }),
  }),
  lastChangeAt: z.string().nullable().meta({ description: 'When a user or contact was last written; null when none ever was' }),
  asOf: z.string().meta({ description: 'When the counts were read: they are exact as of this time (strongly consistent reads)' }),
});
export type TenantSummary = z.infer<typeof TenantSummarySchema>;

/** The summary's body from what the store counted. */
export function summarize(
  tenantId: string,
  counts: BucketCounts,
  migrations: TenantSummary['migrations'],
  deadLetters: TenantSummary['deadLetters'],
  lastChangeAt: string | null,
  asOf: string,
): TenantSummary {
  return {
    tenantId,
    mode: modeOf(counts),
    users: routeCounts(counts, 'user'),
    contacts: { 'subscriber-access': routeCounts(counts, 'subscriber-access'), 'auto-attendant': routeCounts(counts, 'auto-attendant') },
    migrations,
    deadLetters,
    lastChangeAt,
    asOf,
  };
}
