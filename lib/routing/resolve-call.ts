// The resolve use case, the service's hot path:
//   1. check that the credential may resolve: a tenant's, and a gateway's unless explaining (403),
//   2. take the tenant's configuration from the in-process cache (404 when there is no tenant),
//   3. reject a SIP target outside the tenant's domains, reading nothing,
//   4. otherwise read the user or contact in ONE strongly consistent GetItem (by SIP address,
//      or by number: the number item is a full copy) and decide with the pure decision,
//   5. answer with how long it may be reused, and the checks made when explaining; with it, the
//      Cache-Control a gateway obeys (docs/gateways.md, "Caching contract"): max-age the answer's
//      ttlSeconds, stale-if-error the tenant's gateway setting, read from the same cached configuration.
// The target arrives parsed: the route's schema answers 400 to anything that is not one.
import type { Actor } from '../domain/credential.js';
import { effectiveGatewaySettings } from '../domain/gateway-settings.js';
import { ExumError, notFound } from '../errors.js';
import { omit } from '../omit.js';
import type { ExumStore } from '../store/exum-store.js';
import { decideForTenantTarget, rejectOutsideTenant } from './decide-route.js';
import type { ResolveAnswer, ResolveRequest } from './resolve-contract.js';
import type { Target } from './target.js';
import type { TenantConfigCache } from './tenant-config-cache.js';

export interface RoutingDeps {
  store: ExumStore;
  tenantConfigs: TenantConfigCache;
}

// Spreads calls without a call id over UM servers, per process (Lync's round-robin).
let rotation = 0;
function nextRotation(): number {
  rotation = (rotation + 1) % 0x7fffffff;
  return rotation;
}

/** The user or contact a target of the tenant names: one strongly consistent read. */
const findPrincipal = (store: ExumStore, tenantId: string, target: Target) =>
  target.kind === 'number'
    ? store.principals.getByNumber(tenantId, target.lineUri)
    : store.principals.get(tenantId, target.addressOfRecord);

/**
 * An answer's Cache-Control (RFC 9111 max-age, RFC 5861 stale-if-error): fresh for ttlSeconds, and
 * usable for staleIfErrorSeconds more while the service cannot answer; 0 leaves stale-if-error out.
 */
export const resolveCacheControl = (ttlSeconds: number, staleIfErrorSeconds: number): string =>
  staleIfErrorSeconds > 0 ? `max-age=${ttlSeconds}, stale-if-error=${staleIfErrorSeconds}` : `max-age=${ttlSeconds}`;

/** What an explained answer carries: a diagnostic, for a person, never to be kept. */
export const NO_STORE = 'no-store';

export async function resolveCall(deps: RoutingDeps, actor: Actor, request: ResolveRequest, explain: boolean): Promise<ResolveAnswer> {
  return (await resolveCallCached(deps, actor, request, explain)).answer;
}

/** The answer and the Cache-Control it is sent with. */
export async function resolveCallCached(
  deps: RoutingDeps,
  actor: Actor,
  request: ResolveRequest,
  explain: boolean,
): Promise<{ answer: ResolveAnswer; cacheControl: string }> {
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
  const turn = nextRotation();
  const decision =
    rejectOutsideTenant(target, config) ?? decideForTenantTarget(request, await findPrincipal(deps.store, tenantId, target), config, turn);

  // A user's record can change at any moment (a migration flips it): never reuse that answer.
  // Anything else depends only on configuration, which we serve up to ttlMs stale anyway.
  const ttlSeconds = decision.matched?.type === 'user' ? 0 : Math.floor(deps.tenantConfigs.ttlMs / 1000);
  // An explained answer is a diagnostic, never kept: no-store, and nothing to serve stale.
  const staleIfErrorSeconds = explain ? 0 : effectiveGatewaySettings(config.gatewaySettings ?? null).staleIfErrorSeconds;
  const answer = {
    ...omit(decision, 'checks', 'matched'),
    ttlSeconds,
    staleIfErrorSeconds,
    ...(explain ? { explain: { target, checks: decision.checks } } : {}),
  };
  return { answer, cacheControl: explain ? NO_STORE : resolveCacheControl(ttlSeconds, staleIfErrorSeconds) };
}
