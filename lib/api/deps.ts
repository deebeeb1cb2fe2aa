// Builds what the handlers need from a store: the same composition in every Lambda and in the
// local server.
import type { Endpoint } from '../events/deliver-event.js';
import { TenantConfigCache } from '../routing/tenant-config-cache.js';
import { EventStore } from '../store/event-store.js';
import type { ExumStore } from '../store/exum-store.js';
import { MigrationStore } from '../store/migration-store.js';
import type { StreamDeps } from '../stream/process-stream.js';
import type { ApiDeps } from './route.js';

/** How stale a tenant's routing configuration may be on the hot path (docs/routing.md). */
export const DEFAULT_CONFIG_CACHE_MS = 5_000;

export function createApiDeps(store: ExumStore, options: { configCacheMs?: number } = {}): ApiDeps {
  return {
    store,
    migrations: new MigrationStore(store),
    events: new EventStore(store),
    now: () => new Date(),
    tenantConfigs: new TenantConfigCache({
      load: (tenantId) => store.loadTenantConfig(tenantId),
      ttlMs: options.configCacheMs ?? DEFAULT_CONFIG_CACHE_MS,
    }),
  };
}

export function createStreamDeps(store: ExumStore, options: { configCacheMs?: number; deliveryTimeoutMs?: number; backoffMs?: number[] } = {}): StreamDeps {
  const deps = createApiDeps(store, options);
  return {
    ...deps,
    endpointOf: async (tenantId: string, providerId: string): Promise<Endpoint | undefined> => {
      const provider = (await deps.tenantConfigs.get(tenantId))?.providers.get(providerId);
      return provider?.eventEndpoint ?? undefined;
    },
    ...(options.deliveryTimeoutMs === undefined ? {} : { timeoutMs: options.deliveryTimeoutMs }),
    ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
  };
}
