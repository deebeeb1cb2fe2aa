// The resolve contract gateways depend on (docs/api.md, "Resolve"): the request and the answer
// as zod schemas, and the types the routing code uses derived from them. Keep the answer
// stable: version any change.
import * as z from 'zod';
import { ruled } from '../domain/fields.js';
import { MAX_TARGET_LENGTH, parseTarget, type Target } from './target.js';

const targetField = ruled(
  parseTarget,
  'sip:user@host (parameters ignored; user=phone makes it a number), tel:+E164[;ext=N], or +E164',
  MAX_TARGET_LENGTH,
);

export const ResolveRequestSchema = z.strictObject({
  target: targetField,
  reason: z.enum(['voicemail', 'subscriber-access', 'auto-attendant']).default('voicemail'),
  callId: z.string().min(1).max(256).optional().meta({ description: 'The SIP Call-ID; spreads calls over UM servers' }),
});
/** A resolution request, parsed: the target as the store is keyed by, the reason defaulted. */
export type ResolveRequest = z.output<typeof ResolveRequestSchema>;
export type CallReason = ResolveRequest['reason'];

/** Where to send the INVITE (nextHop null: a PSTN number, the gateway uses its own PSTN route), to which URI, with which headers. */
const HopSchema = z.object({ nextHop: z.string().nullable(), requestUri: z.string(), headers: z.record(z.string(), z.string()) });
export type Hop = z.output<typeof HopSchema>;

/** One step of the decision and what it found, in order (Test-CsExUMVoiceMail style). */
const CheckSchema = z.object({ step: z.string(), found: z.string(), ok: z.boolean() });
export type Check = z.output<typeof CheckSchema>;

export const ResolveAnswerSchema = z.object({
  decision: z.enum(['on-premises', 'hosted', 'reject']),
  nextHop: z.string().optional(),
  requestUri: z.string().optional(),
  headers: z.record(z.string(), z.string()),
  alternates: z.array(HopSchema),
  sipStatus: z.number().int().optional(),
  reasonPhrase: z.string().optional(),
  diagnostic: z.object({ code: z.number().int().min(15000).max(15999), reason: z.string() }),
  dialPlanLabel: z.string().nullable(),
  ttlSeconds: z.number().int(),
  staleIfErrorSeconds: z.number().int().nonnegative().meta({
    description:
      "The Cache-Control's stale-if-error again (0: never, and for explained answers), for gateways that cannot read response headers (Kamailio 5.6): how long past ttlSeconds this answer may be used while the service cannot answer",
  }),
  // The parsed target is documented as any JSON; in code it is what parseTarget gives.
  explain: z.object({ target: z.custom<Target>(), checks: z.array(CheckSchema) }).optional(),
});
/** The answer gateways depend on. */
export type ResolveAnswer = z.output<typeof ResolveAnswerSchema>;
