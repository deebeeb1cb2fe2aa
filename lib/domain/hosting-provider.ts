// Hosting provider (New-CsHostingProvider) and the event endpoint where we deliver its events.
// proxyFqdn is immutable: Lync makes you remove and recreate the provider to change it.
import * as z from 'zod';
import { fqdn, name, recordMeta, text } from './fields.js';
import { parentDomain } from './addresses.js';
import { maskUserInfo } from './endpoint-rules.js';

const verificationLevel = z.enum(['always-verifiable', 'always-unverifiable', 'use-source-verification']);

/**
 * The URL's form; what it may point at (https, a public DNS name, no user-info, the allowed ports)
 * depends on the service's settings and is checked by the write (lib/domain/endpoint-rules.ts).
 */
export const eventEndpointUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048)
  .meta({
    description:
      'https://, a public DNS name (no IP address, no single label, no localhost or .internal name), no user-info, port 443 ' +
      'unless the service allows another. Refusals name the rule: https-only, dns-name-not-ip, public-dns-name, no-user-info, allowed-port.',
  });

export const EventEndpointInputSchema = z.strictObject({
  url: eventEndpointUrl,
  secret: text(256)
    .min(24, { error: 'the signing secret must be at least 24 characters' })
    .meta({ description: 'Signing secret for Standard Webhooks signatures; write-only, never returned' }),
});

export const HostingProviderCreateSchema = z.strictObject({
  id: name('provider id'),
  proxyFqdn: fqdn(),
  enabled: z.boolean().default(false),
  sharedAddressSpace: z.boolean().default(false),
  hostsUsers: z.boolean().default(false).meta({ description: "Lync's HostsOCSUsers" }),
  isLocal: z.boolean().default(false),
  verificationLevel: verificationLevel.default('always-verifiable'),
  eventEndpoint: EventEndpointInputSchema.nullable().default(null),
});
export type HostingProviderCreate = z.infer<typeof HostingProviderCreateSchema>;

export const HostingProviderPatchSchema = z.strictObject({
  proxyFqdn: fqdn().optional().meta({ description: 'Immutable: accepted only when unchanged' }),
  enabled: z.boolean().optional(),
  sharedAddressSpace: z.boolean().optional(),
  hostsUsers: z.boolean().optional(),
  isLocal: z.boolean().optional(),
  verificationLevel: verificationLevel.optional(),
  eventEndpoint: EventEndpointInputSchema.nullable().optional(),
});
export type HostingProviderPatch = z.infer<typeof HostingProviderPatchSchema>;

export const HostingProviderSchema = z.object({
  id: z.string(),
  proxyFqdn: z.string(),
  enabled: z.boolean(),
  sharedAddressSpace: z.boolean(),
  hostsUsers: z.boolean(),
  isLocal: z.boolean(),
  verificationLevel,
  /** The secret itself is in the vault (lib/provider-events/signing-secrets.ts): the record keeps a reference to it. */
  eventEndpoint: z.object({ url: z.string(), secretRef: z.string() }).nullable(),
  ...recordMeta,
});
export type HostingProvider = z.infer<typeof HostingProviderSchema>;

/** What the API shows: the signing secret never leaves the service after it is written. */
export const publicHostingProvider = ({ eventEndpoint, ...provider }: HostingProvider) => ({
  ...provider,
  // A URL stored before the endpoint rules may hold user-info: it is never shown.
  eventEndpoint: eventEndpoint === null ? null : { url: maskUserInfo(eventEndpoint.url), secretConfigured: true },
});

/**
 * The providers serving a policy destination: the one whose proxyFqdn equals it, or else those
 * whose proxyFqdn has the same parent domain (proxy.fabrikam.com serves um.fabrikam.com).
 * More than one is a configuration error, refused at write time.
 */
export function providersServing(destination: string, providers: readonly HostingProvider[]): HostingProvider[] {
  const exact = providers.filter((provider) => provider.proxyFqdn === destination);
  if (exact.length > 0) return exact;
  const parent = parentDomain(destination);
  return providers.filter((provider) => parentDomain(provider.proxyFqdn) === parent);
}
