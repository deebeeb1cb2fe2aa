// The tenant summary: the mode the tenant is in and the counts behind it (docs/api.md, "Tenant
// summary"). Its cost does not grow with the tenant's users: the counts are counters the store
// keeps in the same transactions as the users and contacts (lib/store/summary-store.ts).
import { summarize, type TenantSummary } from '../domain/tenant-summary.js';
import type { CounterReading } from '../store/summary-store.js';
import { getTenant } from './tenants.js';
import type { ManagementDeps } from './write-context.js';

/**
 * The summary as of now. A tenant whose counters were never counted (its users were written
 * before the counters existed) is counted first, once: that read costs a read of every user.
 */
export async function getTenantSummary(deps: ManagementDeps, tenantId: string): Promise<TenantSummary> {
  await getTenant(deps, tenantId);
  let asOf = deps.now().toISOString();
  let counters = await deps.store.summary.readCounters(tenantId);
  if (!counters.counted) {
    await deps.store.summary.recount(tenantId, deps.now);
    asOf = deps.now().toISOString();
    counters = await deps.store.summary.readCounters(tenantId);
  }
  return withMigrationsAndDeadLetters(deps, tenantId, counters, asOf);
}

/**
 * Counts the tenant's users and contacts one by one and sets the counters to agree (an operator's
 * repair, for data written outside the service); a dry run counts and answers without writing.
 */
export async function recountTenantSummary(deps: ManagementDeps, tenantId: string, dryRun: boolean): Promise<TenantSummary> {
  await getTenant(deps, tenantId);
  const counters = await deps.store.summary.recount(tenantId, deps.now, { dryRun });
  return withMigrationsAndDeadLetters(deps, tenantId, counters, deps.now().toISOString());
}

async function withMigrationsAndDeadLetters(
  deps: ManagementDeps,
  tenantId: string,
  counters: CounterReading,
  asOf: string,
): Promise<TenantSummary> {
  const [migrations, deadLetters] = await Promise.all([
    deps.store.summary.migrationsByState(tenantId),
    deps.store.summary.deadLettersWaiting(tenantId),
  ]);
  return summarize(tenantId, counters.counts, migrations, deadLetters, counters.lastChangeAt, asOf);
}
