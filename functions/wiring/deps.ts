// Builds what the handlers need from a store: the same composition in every Lambda and in the
// local server (the resolve function uses the smaller routing-deps.ts beside this file).
import type { Endpoint } from '../../lib/events/deliver-event.js';
import { EventStore } from '../../lib/store/event-store.js';
import type { ExumStore } from '../../lib/store/exum-store.js';
import { MigrationStore } from '../../lib/store/migration-store.js';
import type { StreamDeps } from '../../lib/stream/process-stream.js';
import type { ApiDeps } from '../../lib/api/route.js';
import { inlineVault, type SecretVault } from '../../lib/secrets/secret-vault.js';
import { createRoutingDeps } from './routing-deps.js';

export interface DepsOptions {
  configCacheMs?: number;
  /** Where providers' secrets live; the inline vault (locally) when not given. */
  secrets?: SecretVault;
}

export function createApiDeps(store: ExumStore, options: DepsOptions = {}): ApiDeps {
  return {
    ...createRoutingDeps(store, options),
    migrations: new MigrationStore(store),
    events: new EventStore(store),
    secrets: options.secrets ?? inlineVault,
    now: () => new Date(),
  };
}

export function createStreamDeps(
  store: ExumStore,
  options: DepsOptions & { deliveryTimeoutMs?: number; backoffMs?: number[] } = {},
): StreamDeps {
  const deps = createApiDeps(store, options);
  return {
    ...deps,
    endpointOf: async (tenantId: string, providerId: string): Promise<Endpoint | undefined> => {
      const endpoint = (await deps.tenantConfigs.get(tenantId))?.providers.get(providerId)?.eventEndpoint;
      if (endpoint === null || endpoint === undefined) return undefined;
      const secret = await deps.secrets.get(endpoint.secretRef);
      return secret === undefined ? undefined : { url: endpoint.url, secret };
    },
    ...(options.deliveryTimeoutMs === undefined ? {} : { timeoutMs: options.deliveryTimeoutMs }),
    ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
  };
}
