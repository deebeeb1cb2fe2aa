// POST /v1/resolve: the gateway-facing contract. The tenant comes from the credential.
import * as z from 'zod';
import { ruled } from '../domain/fields.js';
import { MAX_TARGET_LENGTH, parseTarget } from '../routing/target.js';
import { resolveCall } from '../routing/resolve-call.js';
import { queryBoolean } from './http.js';
import { route, type Route } from './route.js';
import type { RoutingDeps } from '../routing/resolve-call.js';

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

const HopSchema = z.object({ nextHop: z.string().nullable(), requestUri: z.string(), headers: z.record(z.string(), z.string()) });

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
  explain: z
    .object({ target: z.unknown(), checks: z.array(z.object({ step: z.string(), found: z.string(), ok: z.boolean() })) })
    .optional(),
});

export const resolveRoutes: Route<unknown, unknown, unknown, RoutingDeps>[] = [
  route<unknown, { explain: boolean }, z.infer<typeof ResolveRequestSchema>, RoutingDeps>({
    method: 'POST',
    path: '/v1/resolve',
    summary: 'Where does this voicemail-bound call go? A rejection is a 200 answer with decision "reject"',
    roles: ['gateway', 'server-admin', 'user-admin', 'reader'],
    successStatus: 200,
    params: z.strictObject({}),
    query: z.strictObject({ explain: queryBoolean().default(false) }),
    body: ResolveRequestSchema,
    response: ResolveAnswerSchema,
    handle: async ({ actor, query, body }, deps) => ({
      status: 200,
      body: await resolveCall(deps, actor, { target: body.target, reason: body.reason, callId: body.callId ?? null }, query.explain),
      headers: { 'Cache-Control': 'no-store' },
    }),
  }),
];
