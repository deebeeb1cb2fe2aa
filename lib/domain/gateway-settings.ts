// Gateway settings (one per tenant, beside the edge): how the tenant's SIP gateways may reuse the
// service's answers. staleIfErrorSeconds is the RFC 5861 stale-if-error every resolve answer
// carries: how long a gateway may keep using the last good answer for a target while the service
// cannot answer (unreachable, timeout, 5xx). 0 turns it off.
import * as z from 'zod';

/** One day: a gateway rides out a regional outage of that length on the answers it already has. */
export const DEFAULT_STALE_IF_ERROR_SECONDS = 86_400;
/** Seven days: past that, an answer kept through an outage says more about last week than about today. */
export const MAX_STALE_IF_ERROR_SECONDS = 604_800;

export const GatewaySettingsSchemaInput = z.strictObject({
  staleIfErrorSeconds: z
    .number({ error: 'must be a whole number of seconds' })
    .int({ error: 'must be a whole number of seconds' })
    .min(0, { error: 'must be at least 0 (0 turns stale-if-error off)' })
    .max(MAX_STALE_IF_ERROR_SECONDS, { error: `must be at most ${MAX_STALE_IF_ERROR_SECONDS} (7 days)` })
    .meta({
      description: `Seconds a gateway may serve the last good resolve answer for a target while the service cannot answer (RFC 5861 stale-if-error); 0 turns it off; at most ${MAX_STALE_IF_ERROR_SECONDS} (7 days); default ${DEFAULT_STALE_IF_ERROR_SECONDS}`,
    }),
});
export type GatewaySettingsInput = z.infer<typeof GatewaySettingsSchemaInput>;

/** As stored once written: the input and the record's bookkeeping. */
export const StoredGatewaySettingsSchema = z.object({
  staleIfErrorSeconds: z.number().int(),
  version: z.number().int().positive(),
  createdAt: z.string(),
  updatedAt: z.string(),
  modifiedBy: z.object({ credentialId: z.string(), role: z.string() }),
});
export type StoredGatewaySettings = z.infer<typeof StoredGatewaySettingsSchema>;

/**
 * As the API shows it: the settings in force. A tenant whose settings were never written has the
 * defaults, at version 0 (ETag "0", which If-Match may name), with no timestamps.
 */
export const GatewaySettingsSchema = z.object({
  staleIfErrorSeconds: z.number().int(),
  version: z.number().int().nonnegative(),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
  modifiedBy: z.object({ credentialId: z.string(), role: z.string() }).nullable(),
});
export type GatewaySettings = z.infer<typeof GatewaySettingsSchema>;

export const defaultGatewaySettings: GatewaySettings = {
  staleIfErrorSeconds: DEFAULT_STALE_IF_ERROR_SECONDS,
  version: 0,
  createdAt: null,
  updatedAt: null,
  modifiedBy: null,
};

/** The settings in force: the stored ones, or the defaults when none were ever written. */
export const effectiveGatewaySettings = (stored: StoredGatewaySettings | null): GatewaySettings => stored ?? defaultGatewaySettings;
