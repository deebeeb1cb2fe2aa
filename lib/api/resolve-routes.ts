// POST /v1/resolve: the gateway-facing contract (lib/routing/resolve-contract.ts). The tenant comes from the credential.
import * as z from 'zod';
import { resolveCall, type RoutingDeps } from '../routing/resolve-call.js';
import { ResolveAnswerSchema, ResolveRequestSchema, type ResolveRequest } from '../routing/resolve-contract.js';
import { queryBoolean } from './http.js';
import { route, type Route } from './route.js';

export const resolveRoutes: Route<unknown, unknown, unknown, RoutingDeps>[] = [
  route<unknown, { explain: boolean }, ResolveRequest, RoutingDeps>({
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
      body: await resolveCall(deps, actor, body, query.explain),
      headers: { 'Cache-Control': 'no-store' },
    }),
  }),
];
