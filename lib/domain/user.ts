// User (Set-CsUser, msExchUCVoiceMailSettings). The two hosted-voicemail flags belong to two
// parties: `admin` to the enterprise admin, `provider` to the hosting provider.
import * as z from 'zod';
import { fqdn, lineUri, name, recordMeta, sipAddress, text } from './fields.js';
import { grantedTag } from './voicemail-policy.js';

const tristate = () => z.boolean().nullable();

export const UserCreateSchema = z.strictObject({
  sipUri: sipAddress(),
  displayName: text(256).nullable().default(null),
  lineUri: lineUri().nullable().default(null),
  enabled: z.boolean().default(true),
  enterpriseVoiceEnabled: z.boolean().default(false),
  site: name('site').nullable().default(null),
  registrarPool: fqdn().nullable().default(null),
  hostedVoicemailPolicy: grantedTag().nullable().default(null).meta({ description: 'The granted policy tag' }),
  onPremisesUm: z
    .strictObject({ enabled: z.boolean().default(false), dialPlan: fqdn().nullable().default(null) })
    .default({ enabled: false, dialPlan: null }),
  hostedVoicemail: z
    .strictObject({ admin: tristate().optional(), provider: tristate().optional() })
    .default({})
    .meta({ description: 'admin: the enterprise admin value (CsHostedVoiceMail); provider: written only by the provider' }),
});
export type UserCreate = z.infer<typeof UserCreateSchema>;

export const UserPatchSchema = z.strictObject({
  sipUri: sipAddress().optional(),
  displayName: text(256).nullable().optional(),
  lineUri: lineUri().nullable().optional(),
  enabled: z.boolean().optional(),
  enterpriseVoiceEnabled: z.boolean().optional(),
  site: name('site').nullable().optional(),
  registrarPool: fqdn().nullable().optional(),
  hostedVoicemailPolicy: grantedTag().nullable().optional(),
  onPremisesUm: z.strictObject({ enabled: z.boolean().optional(), dialPlan: fqdn().nullable().optional() }).optional(),
  hostedVoicemail: z.strictObject({ admin: tristate().optional(), provider: tristate().optional() }).optional(),
});
export type UserPatch = z.infer<typeof UserPatchSchema>;

/**
 * A row of a batch or an import: the SIP address says which user; the other fields are set when
 * present and kept when absent (a new user gets the creation defaults).
 */
export const UserUpsertSchema = UserPatchSchema.omit({ sipUri: true }).extend({ sipUri: sipAddress() });
export type UserUpsert = z.infer<typeof UserUpsertSchema>;

export const UserSchema = z.object({
  type: z.literal('user'),
  sipUri: z.string(),
  displayName: z.string().nullable(),
  lineUri: z.string().nullable(),
  enabled: z.boolean(),
  enterpriseVoiceEnabled: z.boolean(),
  site: z.string().nullable(),
  registrarPool: z.string().nullable(),
  hostedVoicemailPolicy: z.string().nullable(),
  onPremisesUm: z.object({ enabled: z.boolean(), dialPlan: z.string().nullable() }),
  hostedVoicemail: z.object({ admin: z.boolean().nullable(), provider: z.boolean().nullable() }),
  ...recordMeta,
});
export type User = z.infer<typeof UserSchema>;

/** Lync: the admin's explicit value wins; when the admin has not said, Exchange's (the provider's) decides. */
export const isHostedVoicemail = (user: Pick<User, 'hostedVoicemail'>): boolean =>
  user.hostedVoicemail.admin ?? user.hostedVoicemail.provider ?? false;
