// Builds what the API handlers need from a store: the same composition in every Lambda and in
// the local server.
import { TenantConfigCache } from '../routing/tenant-config-cache.js';
import type { ExumStore } from '../store/exum-store.js';
import type { ApiDeps } from './route.js';

/** How stale a tenant's routing configuration may be on the hot path (docs/routing.md). */
export const DEFAULT_CONFIG_CACHE_MS = 5_000;

export function createApiDeps(store: ExumStore, options: { configCacheMs?: number } = {}): ApiDeps {
  return {
    store,
    now: () => new Date(),
    tenantConfigs: new TenantConfigCache({
      load: (tenantId) => store.loadTenantConfig(tenantId),
      ttlMs: options.configCacheMs ?? DEFAULT_CONFIG_CACHE_MS,
    }),
  };
}
