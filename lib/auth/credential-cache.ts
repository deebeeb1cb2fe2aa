// Credential checks cached in process, by token hash: a revoked credential keeps working for
// at most `ttlMs` on an instance that checked it recently, and not at all on the instance that
// revoked it (the revocation drops it from this process's caches). Unknown tokens are never
// cached, so a new credential works at once. (In AWS, API Gateway's authorizer cache plays this
// part, with the same bound: cdk/stateless-stack.ts.)
import type { Actor } from '../domain/credential.js';
import type { ExumStore } from '../store/exum-store.js';
import { authenticate } from './authenticate.js';
import { bearerToken } from './tokens.js';

/**
 * The longest a revoked credential is still accepted anywhere: how long this process's cache
 * trusts a check (the local service's default) and API Gateway's authorizer result cache (in
 * seconds, cdk/stateless-stack.ts). docs/reliability.md, "Revocation".
 */
export const REVOCATION_BOUND_MS = 5_000;

export interface CredentialCacheOptions {
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}

export type Authenticator = (authorization: string | undefined) => Promise<Actor | undefined>;

type CacheEntry = { actor: Actor; checkedAt: number };

/** Every cache of this process, so that a revoked credential can be dropped from each at once. */
const caches = new Set<Map<string, CacheEntry>>();
/** Counts forgets: a check that was in flight while one happened is answered but not cached (it may predate the revocation). */
let forgets = 0;

/** Drops every cached check whose actor `matches` from this process's caches: its next request is checked again. */
export function forgetCachedCredentials(matches: (actor: Actor) => boolean): void {
  forgets++;
  for (const cache of caches) {
    for (const [token, entry] of cache) if (matches(entry.actor)) cache.delete(token);
  }
}

/**
 * Drops a revoked credential from this process's caches: its next request is checked again and
 * refused (its lookup item is gone). Locally the management API and the credential check share
 * one process, so a revocation is refused at once; another process (or, in AWS, API Gateway's
 * authorizer cache) refuses it within REVOCATION_BOUND_MS.
 */
export function forgetCachedCredential(credentialId: string): void {
  forgetCachedCredentials((actor) => actor.credentialId === credentialId);
}

/** Drops a tenant's credentials from this process's caches (offboarding), as forgetCachedCredential does for one. */
export function forgetCachedCredentialsOf(tenantId: string): void {
  forgetCachedCredentials((actor) => actor.tenantId === tenantId);
}

export function createCachedAuthenticator(store: ExumStore, options: CredentialCacheOptions): Authenticator {
  const now = options.now ?? Date.now;
  const max = options.maxEntries ?? 10_000;
  const cache = new Map<string, CacheEntry>();
  caches.add(cache);
  return async (authorization) => {
    const token = bearerToken(authorization);
    if (token === undefined) return undefined;
    const hit = cache.get(token);
    if (hit !== undefined && now() - hit.checkedAt < options.ttlMs) return hit.actor;
    const checkedAt = now();
    const forgetsBefore = forgets;
    const actor = await authenticate(store, authorization);
    cache.delete(token);
    if (actor === undefined) return undefined;
    if (forgets !== forgetsBefore) return actor;
    cache.set(token, { actor, checkedAt });
    while (cache.size > max) cache.delete(cache.keys().next().value as string);
    return actor;
  };
}
