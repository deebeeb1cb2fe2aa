// What the resolve function needs, and no more: the store and the configuration cache. Kept
// apart from the management composition so the hot path's bundle stays small.
import { TenantConfigCache } from '../../lib/routing/tenant-config-cache.js';
import type { RoutingDeps } from '../../lib/routing/resolve-call.js';
import type { ExumStore } from '../../lib/store/exum-store.js';

/** How stale a tenant's routing configuration may be on the hot path (docs/routing.md). */
export const DEFAULT_CONFIG_CACHE_MS = 5_000;

export function createRoutingDeps(store: ExumStore, options: { configCacheMs?: number } = {}): RoutingDeps {
  return {
    store,
    tenantConfigs: new TenantConfigCache({
      load: (tenantId) => store.configuration.load(tenantId),
      ttlMs: options.configCacheMs ?? DEFAULT_CONFIG_CACHE_MS,
    }),
  };
}
