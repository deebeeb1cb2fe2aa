// Exchange UM contact (*-CsExUmContact; OcsUmUtil for on-premises ones): the Subscriber Access
// and Auto Attendant numbers. Hosted exactly when it has no on-premises dial plan.
import * as z from 'zod';
import { displayNumber, fqdn, name, recordMeta, sipAddress, text } from './fields.js';
import { grantedTag } from './voicemail-policy.js';

const contactKind = z.enum(['subscriber-access', 'auto-attendant']);

export const ContactCreateSchema = z.strictObject({
  sipUri: sipAddress(),
  displayNumber: displayNumber().nullable().default(null),
  kind: contactKind.default('subscriber-access'),
  enabled: z.boolean().default(true),
  enterpriseVoiceEnabled: z.boolean().default(true),
  site: name('site').nullable().default(null).meta({ description: "The site of the contact's registrar pool" }),
  registrarPool: fqdn().nullable().default(null),
  ou: text(512).nullable().default(null),
  description: text(1024).default(''),
  hostedVoicemailPolicy: grantedTag().nullable().default(null),
  onPremisesDialPlan: fqdn().nullable().default(null).meta({ description: 'Set for an on-premises contact; null for a hosted one' }),
});
export type ContactCreate = z.infer<typeof ContactCreateSchema>;

export const ContactPatchSchema = z.strictObject({
  sipUri: sipAddress().optional(),
  displayNumber: displayNumber().nullable().optional(),
  kind: contactKind.optional(),
  enabled: z.boolean().optional(),
  enterpriseVoiceEnabled: z.boolean().optional(),
  site: name('site').nullable().optional(),
  registrarPool: fqdn().nullable().optional(),
  ou: text(512).nullable().optional(),
  description: text(1024).optional(),
  hostedVoicemailPolicy: grantedTag().nullable().optional(),
  onPremisesDialPlan: fqdn().nullable().optional(),
});
export type ContactPatch = z.infer<typeof ContactPatchSchema>;

export const ContactSchema = z.object({
  type: z.literal('contact'),
  sipUri: z.string(),
  displayNumber: z.string().nullable(),
  lineUri: z.string().nullable().meta({ description: 'Derived from displayNumber' }),
  kind: contactKind,
  enabled: z.boolean(),
  enterpriseVoiceEnabled: z.boolean(),
  site: z.string().nullable(),
  registrarPool: z.string().nullable(),
  ou: z.string().nullable(),
  description: z.string(),
  hostedVoicemailPolicy: z.string().nullable(),
  onPremisesDialPlan: z.string().nullable(),
  ...recordMeta,
});
export type Contact = z.infer<typeof ContactSchema>;

/** The display number drives the contact's line URI. */
export const contactLineUri = (displayNumberValue: string | null): string | null =>
  displayNumberValue === null ? null : `tel:${displayNumberValue}`;

export const isHostedContact = (contact: Pick<Contact, 'onPremisesDialPlan'>): boolean => contact.onPremisesDialPlan === null;
