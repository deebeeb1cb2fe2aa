// Hosted voicemail policy (*-CsHostedVoicemailPolicy) with global, site and tag scopes, and
// the precedence that picks the one applying to a user or contact: tag, else site, else global.
import * as z from 'zod';
import { fqdn, name, recordMeta, text } from './fields.js';

export const policyId = () =>
  z
    .string()
    .transform((id) => id.replace(/^(site|tag):/i, (prefix) => prefix.toLowerCase()))
    .pipe(
      z.string().regex(/^(global|site:[A-Za-z0-9][A-Za-z0-9._-]{0,63}|tag:[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/, {
        error: 'must be "global", "site:NAME" or "tag:NAME"',
      }),
    );

/** A granted tag, written as the tag's name (Grant-CsHostedVoicemailPolicy -PolicyName); "tag:NAME" is accepted too. */
export const grantedTag = () =>
  z
    .string()
    .transform((tag) => tag.replace(/^tag:/i, ''))
    .pipe(name('policy tag'));

export const VoicemailPolicyCreateSchema = z.strictObject({
  id: policyId(),
  destination: fqdn().nullable().default(null).meta({ description: 'FQDN of the hosted UM service' }),
  organizations: z.array(fqdn()).max(64).default([]).meta({ description: "The tenant's FQDNs at the provider" }),
  description: text(1024).default(''),
});
export type VoicemailPolicyCreate = z.infer<typeof VoicemailPolicyCreateSchema>;

export const VoicemailPolicyPatchSchema = z.strictObject({
  destination: fqdn().nullable().optional(),
  organizations: z.array(fqdn()).max(64).optional(),
  description: text(1024).optional(),
});
export type VoicemailPolicyPatch = z.infer<typeof VoicemailPolicyPatchSchema>;

export const VoicemailPolicySchema = z.object({
  id: z.string(),
  destination: z.string().nullable(),
  organizations: z.array(z.string()),
  description: z.string(),
  ...recordMeta,
});
export type VoicemailPolicy = z.infer<typeof VoicemailPolicySchema>;

export const GLOBAL_POLICY_ID = 'global';

export interface PolicyHolder {
  site: string | null;
  hostedVoicemailPolicy: string | null;
}

/** The policy ids a principal's effective policy is looked up through, most specific first. */
export function policyLookupOrder(holder: PolicyHolder): string[] {
  const order: string[] = [];
  if (holder.hostedVoicemailPolicy !== null) order.push(`tag:${holder.hostedVoicemailPolicy}`);
  if (holder.site !== null) order.push(`site:${holder.site}`);
  order.push(GLOBAL_POLICY_ID);
  return order;
}

/** The policy applying to a user or contact: its granted tag, else its site's, else global. */
export function effectivePolicy(holder: PolicyHolder, policies: ReadonlyMap<string, VoicemailPolicy>): VoicemailPolicy | undefined {
  for (const id of policyLookupOrder(holder)) {
    const policy = policies.get(id);
    if (policy !== undefined) return policy;
  }
  return undefined;
}
