// Where a provider's events go and the secret they are signed with: the URL from the tenant's
// configuration, the secret from the vault (signing-secrets.ts) by the reference kept beside it.
import type { TenantConfig } from '../domain/tenant-config.js';
import type { SecretVault } from './signing-secrets.js';

export interface Endpoint {
  url: string;
  /** The provider's signing secret, used as raw bytes (any string of 24+ characters). */
  secret: string;
}

/** The provider's event endpoint, or undefined when it has none (or no longer exists). */
export type EndpointLookup = (tenantId: string, providerId: string) => Promise<Endpoint | undefined>;

/** Looks endpoints up in the tenants' configurations (through their cache) and the vault. */
export function endpointLookup(
  tenantConfigs: { get(tenantId: string): Promise<TenantConfig | undefined> },
  secrets: SecretVault,
): EndpointLookup {
  return async (tenantId, providerId) => {
    const endpoint = (await tenantConfigs.get(tenantId))?.providers.get(providerId)?.eventEndpoint;
    if (endpoint === null || endpoint === undefined) return undefined;
    const secret = await secrets.get(endpoint.secretRef);
    return secret === undefined ? undefined : { url: endpoint.url, secret };
  };
}
