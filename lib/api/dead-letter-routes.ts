// The dead letters: provider events that could not be delivered and provisioning events that
// could not be applied, each with the reason, for readers.
import * as z from 'zod';
import { pageQuery } from './http.js';
import { READERS, route, type Route } from './route.js';
import { TENANT_PATH, tenantParams } from './tenant-path.js';

export const deadLetterRoutes: Route[] = [
  route({
    method: 'GET',
    path: `${TENANT_PATH}/dead-letters`,
    summary: 'Provider events that could not be delivered, newest first, with the reason',
    roles: READERS,
    successStatus: 200,
    params: tenantParams,
    query: z.strictObject(pageQuery),
    handle: async ({ params, query }, deps) => ({
      status: 200,
      body: await deps.events.listDeadLetters(params.tenant, query.cursor ?? null, query.limit),
    }),
  }),
];
