// Tenant: one enterprise, the SIP domains it owns, and its config version (bumped by every
// configuration write so that concurrent config writes are serialised; see lib/store).
import * as z from 'zod';
import { fqdn, recordMeta, tenantId, text } from './fields.js';

/**
 * Domains a tenant may be created with: its creation is one transaction (at most 100 items) of the
 * tenant, a claim per domain and four items of its own. More are added with POST …/domains.
 */
export const MAX_DOMAINS_AT_CREATION = 96;

export const TenantCreateSchema = z.strictObject({
  id: tenantId(),
  name: text(256).min(1, { error: 'name is required' }),
  domains: z
    .array(fqdn())
    .min(1, { error: 'a tenant owns at least one SIP domain' })
    .max(MAX_DOMAINS_AT_CREATION, {
      error: `at most ${MAX_DOMAINS_AT_CREATION} domains at creation (add more with POST /v1/tenants/{tenant}/domains, up to 100)`,
    })
    .refine((domains) => new Set(domains).size === domains.length, { error: 'domains must not repeat' }),
});
export type TenantCreate = z.infer<typeof TenantCreateSchema>;

/** What a rename changes: the display name only (the id is in every key and path, and never changes). */
export const TenantPatchSchema = z.strictObject({
  name: text(256).min(1, { error: 'name is required' }),
});
export type TenantPatch = z.infer<typeof TenantPatchSchema>;

/** A SIP domain added to a tenant. */
export const TenantDomainSchema = z.strictObject({ domain: fqdn() });

export const TenantSchema = z.object({
  id: z.string(),
  name: z.string(),
  domains: z.array(z.string()),
  configVersion: z.number().int().nonnegative(),
  /** When its offboarding began: from then on it takes no writes and its credentials are refused; its items are being removed. */
  offboardingSince: z.string().optional(),
  ...recordMeta,
});
export type Tenant = z.infer<typeof TenantSchema>;

/** Whether a SIP host is one of the tenant's domains (the shared SIP address space). */
export const ownsDomain = (tenant: Pick<Tenant, 'domains'>, host: string): boolean => tenant.domains.includes(host);
