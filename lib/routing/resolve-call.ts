// The resolve use case, the service's hot path:
//   1. parse the target (400 if it is not one),
//   2. take the tenant's configuration from the in-process cache,
//   3. read the user or contact in ONE strongly consistent GetItem (by SIP address, or by
//      number: the number item is a full copy), skipped for hosts outside the tenant's domains,
//   4. decide with the pure decideRoute.
import type { Actor } from '../domain/credential.js';
import { ExumError, notFound } from '../errors.js';
import { omit } from '../omit.js';
import type { ExumStore } from '../store/exum-store.js';
import { ownsDomain } from '../domain/tenant.js';
import { decideRoute, type CallReason, type Check, type Hop } from './decide-route.js';
import type { Target } from './target.js';
import type { TenantConfigCache } from './tenant-config-cache.js';

export interface RoutingDeps {
  store: ExumStore;
  tenantConfigs: TenantConfigCache;
}

export interface ResolveRequest {
  target: Target;
  reason: CallReason;
  callId: string | null;
}

/** The answer gateways depend on (docs/api.md, "Resolve"): keep it stable, version any change. */
export interface ResolveAnswer {
  decision: 'on-premises' | 'hosted' | 'reject';
  nextHop?: string | null;
  requestUri?: string;
  headers: Record<string, string>;
  alternates: Hop[];
  sipStatus?: number;
  reasonPhrase?: string;
  diagnostic: { code: number; reason: string };
  dialPlanLabel: string | null;
  ttlSeconds: number;
  explain?: { target: Target; checks: Check[] };
}

// Spreads calls without a call id over UM servers, per process (Lync's round-robin).
let rotation = 0;

export async function resolveCall(deps: RoutingDeps, actor: Actor, request: ResolveRequest, explain: boolean): Promise<ResolveAnswer> {
  if (actor.tenantId === null) {
    throw new ExumError('forbidden', 'resolution needs a tenant credential: operators belong to no tenant', [
      { field: 'Authorization', rule: 'tenant-credential', message: 'use a gateway, server-admin, user-admin or reader credential' },
    ]);
  }
  if (!explain && actor.role !== 'gateway') {
    throw new ExumError('forbidden', `the ${actor.role} role may resolve only as a diagnostic (?explain=true)`, [
      { field: 'explain', rule: 'diagnostic-only', message: 'add ?explain=true' },
    ]);
  }
  const tenantId = actor.tenantId;
  const config = await deps.tenantConfigs.get(tenantId);
  if (config === undefined) throw notFound(`tenant ${tenantId}`);

  const { target } = request;
  const principal =
    target.kind === 'number'
      ? await deps.store.getPrincipalByNumber(tenantId, target.lineUri)
      : ownsDomain(config.tenant, target.host)
        ? await deps.store.getPrincipal(tenantId, target.addressOfRecord)
        : undefined;
  rotation = (rotation + 1) % 0x7fffffff;
  const decision = decideRoute(request, principal, config, rotation);

  // A user's record can change at any moment (a migration flips it): never reuse that answer.
  // Anything else depends only on configuration, which we serve up to ttlMs stale anyway.
  const ttlSeconds = decision.matched?.type === 'user' ? 0 : Math.floor(deps.tenantConfigs.ttlMs / 1000);
  return { ...omit(decision, 'checks', 'matched'), ttlSeconds, ...(explain ? { explain: { target, checks: decision.checks } } : {}) };
}
