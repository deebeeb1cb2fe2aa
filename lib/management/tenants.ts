// Use cases for tenants and credentials (operator work). A tenant is created with its domain
// claims, a default edge and its global policy in one transaction.
import { randomUUID } from 'node:crypto';
import type { Actor, Credential, CredentialCreate, CredentialRecord } from '../domain/credential.js';
import { defaultEdge } from '../domain/edge.js';
import type { Tenant, TenantCreate, TenantPatch } from '../domain/tenant.js';
import { GLOBAL_POLICY_ID } from '../domain/voicemail-policy.js';
import { duplicate, ExumError, notFound, refused } from '../errors.js';
import { omit } from '../omit.js';
import { forgetCachedCredential, forgetCachedCredentialsOf } from '../auth/credential-cache.js';
import { generateCredentialId, generateToken, hashToken } from '../auth/tokens.js';
import type { Page } from '../store/table-client.js';
import {
  checkIfMatch,
  describeChange,
  stamp,
  untilWritten,
  type ManagementDeps,
  type WriteOptions,
  type WriteOutcome,
} from './write-context.js';

export async function createTenant(
  deps: ManagementDeps,
  actor: Actor,
  input: TenantCreate,
  options: WriteOptions,
): Promise<WriteOutcome<Tenant>> {
  const now = deps.now();
  const tenant = stamp({ ...input, configVersion: 0 }, null, actor, now);
  if (options.dryRun) {
    const taken = await deps.store.tenants.findTakenClaims(input);
    if (taken !== undefined) throw taken;
    return { dryRun: true, changes: [describeChange('tenant', input.id, null, input)], warnings: [] };
  }
  await deps.store.tenants.create(
    tenant,
    stamp(defaultEdge, null, actor, now),
    stamp({ id: GLOBAL_POLICY_ID, destination: null, organizations: [], description: 'Global hosted voicemail policy' }, null, actor, now),
  );
  return { dryRun: false, record: tenant, warnings: [] };
}

export async function getTenant(deps: ManagementDeps, tenantId: string): Promise<Tenant> {
  const tenant = await deps.store.tenants.get(tenantId);
  if (tenant === undefined) throw notFound(`tenant ${tenantId}`);
  return tenant;
}

type TenantFields = Omit<Tenant, 'version' | 'createdAt' | 'updatedAt' | 'modifiedBy'>;

/**
 * Changes a tenant's name or domains: read, decide, write conditional on the version read (a
 * lost race decides again). `decide` answers the new fields, or throws the refusal; `check`
 * predicts, for a dry run, the refusals only the write itself enforces (a domain claim taken).
 */
function changeTenant(
  deps: ManagementDeps,
  actor: Actor,
  tenantId: string,
  options: WriteOptions,
  decide: (current: Tenant) => Promise<TenantFields>,
  check: () => Promise<void> = () => Promise.resolve(),
): Promise<WriteOutcome<Tenant>> {
  return untilWritten(async () => {
    const current = await getTenant(deps, tenantId);
    refuseIfOffboarding(current);
    checkIfMatch(options.ifMatch, current);
    const after = stamp({ ...(await decide(current)), configVersion: current.configVersion }, current, actor, deps.now());
    if (options.dryRun) {
      await check();
      const view = (tenant: Tenant) => omit(tenant, 'version', 'createdAt', 'updatedAt', 'modifiedBy', 'configVersion');
      return { dryRun: true, changes: [describeChange('tenant', tenantId, view(current), view(after))], warnings: [] };
    }
    await deps.store.tenants.update(current, after);
    return { dryRun: false, record: after, warnings: [] };
  });
}

/** A new display name; the id, in every key and path, never changes. */
export const renameTenant = (deps: ManagementDeps, actor: Actor, tenantId: string, patch: TenantPatch, options: WriteOptions) =>
  changeTenant(deps, actor, tenantId, options, (current) => Promise.resolve({ ...current, name: patch.name }));

/** A SIP domain claimed for the tenant, in the same transaction as the tenant's new list (409 when another tenant holds it). */
export const addTenantDomain = (deps: ManagementDeps, actor: Actor, tenantId: string, domain: string, options: WriteOptions) =>
  changeTenant(
    deps,
    actor,
    tenantId,
    options,
    (current) => {
      if (current.domains.includes(domain)) throw duplicate('domain', domain, 'domain-belongs-to-one-tenant');
      if (current.domains.length >= MAX_DOMAINS) throw refused('domain', 'max-domains', `a tenant owns at most ${MAX_DOMAINS} domains`);
      return Promise.resolve({ ...current, domains: [...current.domains, domain] });
    },
    async () => {
      const taken = await deps.store.tenants.findTakenDomain(domain);
      if (taken !== undefined) throw taken;
    },
  );

/** How many users and contacts a refused domain removal names (it counts them all). */
const NAMED_IN_REFUSAL = 10;

/**
 * How long a removal waits, once the domain takes no new addresses, for the list index (gsi1) to
 * show the principals written just before: the index typically lags by milliseconds.
 */
const INDEX_SETTLE_MS = 1000;

async function refuseIfInUse(deps: ManagementDeps, tenantId: string, domain: string): Promise<void> {
  const { count, sample } = await deps.store.tenants.principalsInDomain(tenantId, domain, NAMED_IN_REFUSAL);
  if (count === 0) return;
  const more = count > sample.length ? ` and ${count - sample.length} more` : '';
  throw refused(
    'domain',
    'domain-not-in-use',
    `${count} users or contacts still have an address in ${domain}: ${sample.join(', ')}${more}`,
  );
}

/**
 * Removes a SIP domain and releases its claim, so another tenant may claim it. Refused while a
 * user or contact of the tenant has an address in it (naming the first ones) and for the
 * tenant's last domain. So that no principal is created in the domain between the count and the
 * release, the claim is first marked as releasing and the domain fenced on the tenant's summary
 * counter shards (principal writes check the shard they write), then the principals counted, then
 * the claim released in the tenant's transaction, conditional on the mark; a refused removal takes
 * the mark and the fence off again. A released domain stays fenced for this tenant.
 */
export function removeTenantDomain(
  deps: ManagementDeps,
  actor: Actor,
  tenantId: string,
  domain: string,
  options: WriteOptions,
): Promise<WriteOutcome<Tenant>> {
  return untilWritten(async () => {
    const current = await getTenant(deps, tenantId);
    refuseIfOffboarding(current);
    checkIfMatch(options.ifMatch, current);
    if (!current.domains.includes(domain)) throw notFound(`domain ${domain} of tenant ${tenantId}`);
    if (current.domains.length === 1) throw refused('domain', 'tenant-owns-a-domain', `${domain} is the tenant's only SIP domain`);
    const after = stamp({ ...current, domains: current.domains.filter((owned) => owned !== domain) }, current, actor, deps.now());
    if (options.dryRun) {
      await refuseIfInUse(deps, tenantId, domain);
      const view = (tenant: Tenant) => omit(tenant, 'version', 'createdAt', 'updatedAt', 'modifiedBy', 'configVersion');
      return { dryRun: true, changes: [describeChange('tenant', tenantId, view(current), view(after))], warnings: [] };
    }
    const mark = randomUUID();
    if (!(await deps.store.tenants.markReleasing(tenantId, domain, mark))) {
      throw new ExumError('internal', `the claim of ${domain} is not tenant ${tenantId}'s`);
    }
    let released = false;
    try {
      await new Promise((resolve) => setTimeout(resolve, INDEX_SETTLE_MS));
      await refuseIfInUse(deps, tenantId, domain);
      await deps.store.tenants.update(current, after, mark);
      released = true;
    } finally {
      if (!released) await deps.store.tenants.unmarkReleasing(tenantId, domain, mark);
    }
    return { dryRun: false, record: after, warnings: [] };
  });
}

/** The most SIP domains a tenant owns (it may be created with MAX_DOMAINS_AT_CREATION of them). */
const MAX_DOMAINS = 100;

export const listTenants = (deps: ManagementDeps, cursor: string | null, limit: number): Promise<Page<Tenant>> =>
  deps.store.tenants.list(cursor, limit);

export const publicCredential = (credential: CredentialRecord): Credential & { revokedAt: string | null } =>
  omit(credential, 'tokenHash', 'revokedBy');

/** A new credential; its token is in the answer and nowhere else, ever. */
export async function createCredential(
  deps: ManagementDeps,
  actor: Actor,
  tenantId: string,
  input: CredentialCreate,
  options: WriteOptions,
): Promise<WriteOutcome<{ credential: Credential; token: string }>> {
  refuseIfOffboarding(await getTenant(deps, tenantId));
  const token = generateToken();
  const record: CredentialRecord = {
    id: generateCredentialId(),
    tenantId,
    role: input.role,
    name: input.name,
    providerId: input.providerId ?? null,
    createdAt: deps.now().toISOString(),
    createdBy: actor.credentialId,
    tokenHash: hashToken(token),
    revokedAt: null,
  };
  if (options.dryRun) {
    return { dryRun: true, changes: [describeChange('credential', record.id, null, publicCredential(record))], warnings: [] };
  }
  await deps.store.credentials.create(record);
  return { dryRun: false, record: { credential: publicCredential(record), token }, warnings: [] };
}

export async function listCredentials(deps: ManagementDeps, tenantId: string, cursor: string | null, limit: number) {
  await getTenant(deps, tenantId);
  const page = await deps.store.credentials.list(tenantId, cursor, limit);
  return { items: page.items.map(publicCredential), nextCursor: page.nextCursor };
}

export async function revokeCredential(
  deps: ManagementDeps,
  actor: Actor,
  tenantId: string,
  id: string,
  options: WriteOptions,
): Promise<WriteOutcome<null>> {
  const record = await deps.store.credentials.get(tenantId, id);
  if (record === undefined || record.revokedAt !== null) throw notFound(`credential ${id}`);
  if (options.dryRun) return { dryRun: true, changes: [describeChange('credential', id, publicCredential(record), null)], warnings: [] };
  await deps.store.credentials.revoke(record, deps.now().toISOString(), { credentialId: actor.credentialId, role: actor.role });
  forgetCachedCredential(id);
  return { dryRun: false, record: null, warnings: [] };
}

/** What an offboarding removes, by kind of item, and what it keeps. */
export interface OffboardingReport {
  tenantId: string;
  /** offboarding: items remain, send the request again; offboarded: every item is gone and the domains are free. */
  state: 'offboarding' | 'offboarded';
  removed: Record<string, number>;
  kept: { audit: 'until their retention (TTL)' };
}

/** How long one offboarding request removes items before answering (API Gateway waits 29 s at most). */
const OFFBOARDING_BUDGET_MS = 15_000;

/** Refuses writes to a tenant that is being offboarded: nothing new may appear behind the removal. */
export function refuseIfOffboarding(tenant: Tenant): void {
  if (tenant.offboardingSince !== undefined) {
    throw refused('tenant', 'tenant-offboarding', `tenant ${tenant.id} is being offboarded since ${tenant.offboardingSince}`);
  }
}

/** Every credential of the tenant refused: each token's lookup item deleted (authentication reads only that). */
async function revokeAllCredentials(deps: ManagementDeps, actor: Actor, tenantId: string): Promise<void> {
  const at = deps.now().toISOString();
  let cursor: string | null = null;
  do {
    const page: Page<CredentialRecord> = await deps.store.credentials.list(tenantId, cursor, 500);
    for (const record of page.items) {
      if (record.revokedAt === null)
        await deps.store.credentials.revoke(record, at, { credentialId: actor.credentialId, role: actor.role });
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  forgetCachedCredentialsOf(tenantId);
}

/**
 * Offboards a tenant: marks it (no more writes), refuses its credentials at once, removes its
 * items page by page, then its tenant item and domain claims together (the domains may then be
 * claimed again). Audit records stay until their TTL. A request works for a bounded time and
 * answers `offboarding` when items remain: sending it again continues. The dry run counts what
 * would go, by kind, and writes nothing.
 */
export async function offboardTenant(
  deps: ManagementDeps,
  actor: Actor,
  tenantId: string,
  options: WriteOptions,
): Promise<{ dryRun: true; report: OffboardingReport } | { dryRun: false; report: OffboardingReport }> {
  const started = Date.now();
  let tenant = await getTenant(deps, tenantId);
  if (!options.dryRun && tenant.offboardingSince === undefined) {
    checkIfMatch(options.ifMatch, tenant);
    const marked = stamp(
      { ...omit(tenant, 'version', 'createdAt', 'updatedAt', 'modifiedBy'), offboardingSince: deps.now().toISOString() },
      tenant,
      actor,
      deps.now(),
    );
    await deps.store.tenants.markOffboarding(tenant, marked);
    tenant = marked;
  }
  if (!options.dryRun) await revokeAllCredentials(deps, actor, tenantId);

  const removed: Record<string, number> = {};
  let startKey: Awaited<ReturnType<typeof deps.store.tenants.scanTenantItems>>['next'];
  let complete: boolean;
  do {
    const page = await deps.store.tenants.scanTenantItems(tenantId, startKey);
    for (const item of page.items) removed[item.entity] = (removed[item.entity] ?? 0) + 1;
    if (!options.dryRun) await deps.store.tenants.deleteItems(page.items.map(({ pk, sk }) => ({ pk, sk })));
    startKey = page.next;
    complete = startKey === undefined;
  } while (!complete && (options.dryRun || Date.now() - started < OFFBOARDING_BUDGET_MS));

  // The tenant item and its domain claims go last, once nothing else is left.
  if (complete) {
    removed.tenant = 1;
    removed['domain-claim'] = tenant.domains.length;
  }
  const report = (state: OffboardingReport['state']): OffboardingReport => ({
    tenantId,
    state,
    removed,
    kept: { audit: 'until their retention (TTL)' },
  });
  if (options.dryRun) return { dryRun: true, report: report('offboarded') };
  if (!complete) return { dryRun: false, report: report('offboarding') };
  await deps.store.tenants.releaseTenant(tenant);
  return { dryRun: false, report: report('offboarded') };
}
