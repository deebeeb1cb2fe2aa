// Credential checks cached in process, by token hash: a revoked credential keeps working for
// at most `ttlMs` on an instance that checked it recently. Unknown tokens are never cached, so
// a new credential works at once. (In AWS, API Gateway's authorizer cache adds its own TTL.)
import type { Actor } from '../domain/credential.js';
import type { ExumStore } from '../store/exum-store.js';
import { authenticate } from './authenticate.js';
import { bearerToken } from './tokens.js';

export interface CredentialCacheOptions {
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}

export type Authenticator = (authorization: string | undefined) => Promise<Actor | undefined>;

/** Every cache of this process, so that an offboarded tenant's credentials can be dropped from each at once. */
const caches = new Set<Map<string, { actor: Actor; checkedAt: number }>>();

/**
 * Drops a tenant's credentials from this process's caches: its next request is checked again
 * (and refused once its lookup items are gone). Locally the management API and the credential
 * check share one process, so an offboarded tenant is refused at once; in AWS the authorizer
 * runs elsewhere and API Gateway's authorizer cache (30 s) bounds it, as for a revocation.
 */
export function forgetCachedCredentialsOf(tenantId: string): void {
  for (const cache of caches) {
    for (const [token, entry] of cache) if (entry.actor.tenantId === tenantId) cache.delete(token);
  }
}

export function createCachedAuthenticator(store: ExumStore, options: CredentialCacheOptions): Authenticator {
  const now = options.now ?? Date.now;
  const max = options.maxEntries ?? 10_000;
  const cache = new Map<string, { actor: Actor; checkedAt: number }>();
  caches.add(cache);
  return async (authorization) => {
    const token = bearerToken(authorization);
    if (token === undefined) return undefined;
    const hit = cache.get(token);
    if (hit !== undefined && now() - hit.checkedAt < options.ttlMs) return hit.actor;
    const checkedAt = now();
    const actor = await authenticate(store, authorization);
    cache.delete(token);
    if (actor === undefined) return undefined;
    cache.set(token, { actor, checkedAt });
    while (cache.size > max) cache.delete(cache.keys().next().value as string);
    return actor;
  };
}
