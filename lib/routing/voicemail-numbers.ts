// GET /v1/voicemail-numbers: the tenant's Subscriber Access and Auto Attendant numbers (its
// Exchange UM contacts that have a display number), so that a gateway sends calls to any of them
// to the service without configuring each. The tenant comes from the credential, as for resolve.
// Cost: the tenant's configuration from the in-process cache (no read when warm) and ONE Query of
// the contacts' list. A strong ETag over the list lets a gateway that polls pay a 304 when nothing changed.
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { Actor } from '../domain/credential.js';
import { ExumError, notFound } from '../errors.js';
import type { RoutingDeps } from './resolve-call.js';

export const VoicemailNumberSchema = z.object({
  number: z.string().meta({ description: "The contact's display number as written (+ and digits): calls to it go to the service" }),
  kind: z.enum(['subscriber-access', 'auto-attendant']),
  sipUri: z.string().meta({ description: "The contact's SIP address" }),
  dialPlan: z.string().optional().meta({ description: 'The on-premises UM dial plan of an on-premises contact; absent for a hosted one' }),
  site: z.string().optional().meta({ description: "The contact's site, when set" }),
});
export type VoicemailNumber = z.infer<typeof VoicemailNumberSchema>;

export const VoicemailNumbersSchema = z.object({
  numbers: z.array(VoicemailNumberSchema),
  etag: z.string().meta({
    description:
      'The ETag header again, for gateways that cannot read response headers (Kamailio 5.6): send it back as If-None-Match for a 304 while the list is unchanged',
  }),
});
export type VoicemailNumbers = z.infer<typeof VoicemailNumbersSchema>;

export interface VoicemailNumbersAnswer {
  body: VoicemailNumbers;
  /** A strong entity tag over the list: the same list, the same tag, in any process. */
  etag: string;
  /** Seconds the list may be reused without asking: the configuration staleness bound. */
  maxAgeSeconds: number;
}

/** The strong ETag of a list: SHA-256 of its JSON, base64url, quoted. */
export const numbersEtag = (body: Pick<VoicemailNumbers, 'numbers'>): string =>
  `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;

export async function voicemailNumbers(deps: RoutingDeps, actor: Actor): Promise<VoicemailNumbersAnswer> {
  if (actor.tenantId === null) {
    throw new ExumError('forbidden', "the voicemail numbers are a tenant's: operators belong to no tenant", [
      { field: 'Authorization', rule: 'tenant-credential', message: 'use a gateway, server-admin, user-admin or reader credential' },
    ]);
  }
  const tenantId = actor.tenantId;
  if ((await deps.tenantConfigs.get(tenantId)) === undefined) throw notFound(`tenant ${tenantId}`);
  const contacts = await deps.store.principals.listContactNumbers(tenantId);
  const numbers = contacts
    .map((contact): VoicemailNumber => ({
      number: contact.displayNumber,
      kind: contact.kind,
      sipUri: contact.sipUri,
      ...(contact.onPremisesDialPlan === null ? {} : { dialPlan: contact.onPremisesDialPlan }),
      ...(contact.site === null ? {} : { site: contact.site }),
    }))
    // One order whatever the index returns: the ETag depends on the list alone.
    .sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : a.sipUri < b.sipUri ? -1 : 1));
  // The tag is over the list; the body carries it too (a gateway may see the body only).
  const etag = numbersEtag({ numbers });
  return { body: { numbers, etag }, etag, maxAgeSeconds: Math.floor(deps.tenantConfigs.ttlMs / 1000) };
}
