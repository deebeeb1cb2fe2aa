// Builds what the handlers need from a store: the same composition in every Lambda and in the
// local server (the resolve function uses the smaller routing-deps.ts beside this file).
import { idempotentRunner } from '../../lib/api/idempotency.js';
import { EventStore } from '../../lib/store/event-store.js';
import type { ExumStore } from '../../lib/store/exum-store.js';
import { MigrationStore } from '../../lib/store/migration-store.js';
import type { StreamDeps } from '../../lib/stream/process-stream.js';
import type { ApiDeps } from '../../lib/api/route.js';
import type { Resolver } from '../../lib/provider-events/endpoint-guard.js';
import { endpointLookup } from '../../lib/provider-events/provider-endpoints.js';
import { inlineVault, type SecretVault } from '../../lib/provider-events/signing-secrets.js';
import { createRoutingDeps } from './routing-deps.js';

export interface DepsOptions {
  configCacheMs?: number;
  /** Where providers' secrets live; the inline vault (locally) when not given. */
  secrets?: SecretVault;
  /** Ports besides 443 a provider's event endpoint may name (EXUM_PROVIDER_ALLOWED_PORTS). */
  providerAllowedPorts?: readonly number[];
  /** Local development and tests only (npm start -- --allow-loopback-providers): never in AWS. */
  allowLoopbackProviders?: boolean;
}

export function createApiDeps(store: ExumStore, options: DepsOptions = {}): ApiDeps {
  const events = new EventStore(store.table);
  return {
    ...createRoutingDeps(store, options),
    migrations: new MigrationStore(store.table),
    events,
    idempotency: idempotentRunner((partition) => events.idempotencyLayer(partition)),
    secrets: options.secrets ?? inlineVault,
    now: () => new Date(),
    endpointPolicy: { allowedPorts: options.providerAllowedPorts ?? [], allowLoopback: options.allowLoopbackProviders === true },
  };
}

export function createStreamDeps(
  store: ExumStore,
  options: DepsOptions & { deliveryTimeoutMs?: number; backoffMs?: number[]; resolve?: Resolver } = {},
): StreamDeps {
  const deps = createApiDeps(store, options);
  return {
    ...deps,
    endpointOf: endpointLookup(deps.tenantConfigs, deps.secrets),
    ...(options.deliveryTimeoutMs === undefined ? {} : { timeoutMs: options.deliveryTimeoutMs }),
    ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
    ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
  };
}
