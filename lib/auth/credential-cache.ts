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

export function createCachedAuthenticator(store: ExumStore, options: CredentialCacheOptions): Authenticator {
  const now = options.now ?? Date.now;
  const max = options.maxEntries ?? 10_000;
  const cache = new Map<string, { actor: Actor; checkedAt: number }>();
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
