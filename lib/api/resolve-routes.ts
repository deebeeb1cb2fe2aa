// The gateway-facing routes, served by the resolve function; the tenant comes from the credential.
// POST /v1/resolve: the routing contract (lib/routing/resolve-contract.ts), each answer with its
// Cache-Control (max-age, stale-if-error; explained answers no-store). GET /v1/voicemail-numbers:
// the numbers a gateway sends to the service, with a strong ETag (If-None-Match: 304, lib/api/dispatch.ts).
import * as z from 'zod';
import { resolveCallCached, type RoutingDeps } from '../routing/resolve-call.js';
import { ResolveAnswerSchema, ResolveRequestSchema, type ResolveRequest } from '../routing/resolve-contract.js';
import { VoicemailNumbersSchema, voicemailNumbers } from '../routing/voicemail-numbers.js';
import { noQuery, queryBoolean } from './http.js';
import { route, type Route } from './route.js';

export const resolveRoutes: Route<unknown, unknown, unknown, RoutingDeps>[] = [
  route<unknown, { explain: boolean }, ResolveRequest, RoutingDeps>({
    method: 'POST',
    path: '/v1/resolve',
    summary:
      'Where does this voicemail-bound call go? A rejection is a 200 answer with decision "reject". Cache-Control: max-age=<ttlSeconds>, stale-if-error=<the tenant\'s gateway setting> (no-store when explained)',
    roles: ['gateway', 'server-admin', 'user-admin', 'reader'],
    successStatus: 200,
    params: z.strictObject({}),
    query: z.strictObject({ explain: queryBoolean().default(false) }),
    body: ResolveRequestSchema,
    response: ResolveAnswerSchema,
    handle: async ({ actor, query, body }, deps) => {
      const { answer, cacheControl } = await resolveCallCached(deps, actor, body, query.explain);
      return { status: 200, body: answer, headers: { 'Cache-Control': cacheControl } };
    },
  }),
  route<unknown, unknown, unknown, RoutingDeps>({
    method: 'GET',
    path: '/v1/voicemail-numbers',
    summary:
      "The tenant's Subscriber Access and Auto Attendant numbers (its contacts with a display number), for gateways: strong ETag, If-None-Match answered 304",
    roles: ['gateway', 'server-admin', 'user-admin', 'reader'],
    successStatus: 200,
    params: z.strictObject({}),
    query: noQuery,
    response: VoicemailNumbersSchema,
    handle: async ({ actor }, deps) => {
      const { body, etag, maxAgeSeconds } = await voicemailNumbers(deps, actor);
      return { status: 200, body, headers: { ETag: etag, 'Cache-Control': `max-age=${maxAgeSeconds}` } };
    },
  }),
];
