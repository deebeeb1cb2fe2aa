// Provisioning events over HTTP: the same applier as the SQS function (EventBridge in AWS),
// for a batch posted by a user admin.
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { createProvisioningApplier } from '../provisioning/apply-provisioning-events.js';
import { USER_ADMINS, route, type Route } from './route.js';
import { TENANT_PATH, tenantParams } from './tenant-path.js';
import { noQuery } from './http.js';

/** Deeper is no real event, and would exhaust the stack when serialized for the applier (JSON.stringify recurses). */
const MAX_EVENT_DEPTH = 32;
const nestsWithin = (value: unknown, levels: number): boolean =>
  typeof value !== 'object' || value === null || (levels > 0 && Object.values(value).every((child) => nestsWithin(child, levels - 1)));
const provisioningEvent = z.record(z.string(), z.unknown()).refine((event) => nestsWithin(event, MAX_EVENT_DEPTH), {
  error: `an event nests at most ${MAX_EVENT_DEPTH} levels`,
  params: { rule: 'max-depth' },
});

export const provisioningRoutes: Route[] = [
  route({
    method: 'POST',
    path: `${TENANT_PATH}/provisioning-events`,
    summary: 'Apply a batch of provisioning events (as EventBridge delivers them in AWS); each is applied, unchanged or dead-lettered',
    roles: USER_ADMINS,
    successStatus: 200,
    params: tenantParams,
    query: noQuery,
    body: z.strictObject({ events: z.array(provisioningEvent).min(1).max(100) }),
    handle: async ({ actor, params, body }, deps) => {
      const applier = createProvisioningApplier(deps);
      const deadline = Date.now() + 30_000;
      applier.useInvocation({ getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as Context);
      const results = [];
      // The same handler as the SQS function, one event after another.
      for (const event of body.events) results.push(await applier.applyMessage(JSON.stringify(event), actor, params.tenant));
      return { status: 200, body: { results } };
    },
  }),
];
