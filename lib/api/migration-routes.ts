// Migrations (user admins start, watch, roll back and cancel them; providers answer them) and
// the dead letters of provider events.
import * as z from 'zod';
import { sipAddress, tenantId } from '../domain/fields.js';
import { MigrationCreateSchema, MigrationSchema, ProviderAnswerSchema, RollbackSchema } from '../domain/migration.js';
import * as migrations from '../migrations/migrations.js';
import { omit } from '../omit.js';
import { createProvisioningApplier } from '../provisioning/apply-provisioning-events.js';
import { AUDIT_RETENTION_SECONDS } from '../stream/audit-trail.js';
import type { Context } from 'aws-lambda';
import { dryRunQuery, pageQuery } from './http.js';
import { PROVIDERS, READERS, USER_ADMINS, itemResult, route, writeResult, type Route } from './route.js';

const BASE = '/v1/tenants/{tenant}/migrations';
const toIsoTime = (time: string) => new Date(time).toISOString();
const migrationId = z.string().regex(/^mig_[A-Za-z0-9_-]{1,32}$/, { error: 'not a migration id' });
const migrationParams = z.strictObject({ tenant: tenantId(), migrationId });

/** Deeper is no real event, and would exhaust the stack when serialized for the applier (JSON.stringify recurses). */
const MAX_EVENT_DEPTH = 32;
const nestsWithin = (value: unknown, levels: number): boolean =>
  typeof value !== 'object' || value === null || (levels > 0 && Object.values(value).every((child) => nestsWithin(child, levels - 1)));
const provisioningEvent = z.record(z.string(), z.unknown()).refine((event) => nestsWithin(event, MAX_EVENT_DEPTH), {
  error: `an event nests at most ${MAX_EVENT_DEPTH} levels`,
  params: { rule: 'max-depth' },
});

export const migrationRoutes: Route[] = [
  route({
    method: 'POST',
    path: BASE,
    summary: 'Start a migration of users to a hosting provider, in waves',
    roles: USER_ADMINS,
    successStatus: 201,
    params: z.strictObject({ tenant: tenantId() }),
    query: dryRunQuery,
    body: MigrationCreateSchema,
    response: MigrationSchema,
    handle: async ({ actor, params, body, write }, deps) =>
      writeResult(await migrations.startMigration(deps, actor, params.tenant, body, write), 201),
  }),
  route({
    method: 'GET',
    path: BASE,
    summary: 'List migrations, newest first',
    roles: READERS,
    successStatus: 200,
    params: z.strictObject({ tenant: tenantId() }),
    query: z.strictObject(pageQuery),
    handle: async ({ params, query }, deps) => ({
      status: 200,
      body: await migrations.listMigrations(deps, params.tenant, query.cursor ?? null, query.limit),
    }),
  }),
  route({
    method: 'GET',
    path: `${BASE}/{migrationId}`,
    summary: 'Progress: counts per state, and per user the time of each step and the last delivery',
    roles: READERS,
    successStatus: 200,
    params: migrationParams,
    query: z.strictObject(pageQuery),
    handle: async ({ params, query }, deps) => {
      const progress = await migrations.getMigrationProgress(deps, params.tenant, params.migrationId, query.cursor ?? null, query.limit);
      return itemResult(progress, progress.migration.version);
    },
  }),
  route({
    method: 'POST',
    path: `${BASE}/{migrationId}/rollback`,
    summary: 'Roll users back (all completed and requested users when none are named)',
    roles: USER_ADMINS,
    successStatus: 200,
    params: migrationParams,
    query: z.strictObject({}),
    body: RollbackSchema,
    handle: async ({ actor, params, body }, deps) => ({
      status: 200,
      body: await migrations.rollbackMigration(deps, actor, params.tenant, params.migrationId, body.users),
    }),
  }),
  route({
    method: 'POST',
    path: `${BASE}/{migrationId}/cancel`,
    summary: 'Cancel: no further waves, pending users cancelled',
    roles: USER_ADMINS,
    successStatus: 200,
    params: migrationParams,
    query: z.strictObject({}),
    handle: async ({ actor, params }, deps) => {
      const cancelled = await migrations.cancelMigration(deps, actor, params.tenant, params.migrationId);
      return itemResult(cancelled, cancelled.version);
    },
  }),
  route({
    method: 'PUT',
    path: `${BASE}/{migrationId}/users/{sipUri}/answer`,
    summary: "The provider's answer for one user: ready or failed (idempotent)",
    roles: PROVIDERS,
    successStatus: 200,
    params: z.strictObject({ tenant: tenantId(), migrationId, sipUri: sipAddress() }),
    query: z.strictObject({}),
    body: ProviderAnswerSchema,
    handle: async ({ actor, params, body }, deps) => {
      const item = await migrations.answerMigration(deps, actor, params.tenant, params.migrationId, params.sipUri, body);
      return { status: 200, body: omit(item, 'migrationId', 'providerId') };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/tenants/{tenant}/provisioning-events',
    summary: 'Apply a batch of provisioning events (as EventBridge delivers them in AWS); each is applied, unchanged or dead-lettered',
    roles: USER_ADMINS,
    successStatus: 200,
    params: z.strictObject({ tenant: tenantId() }),
    query: z.strictObject({}),
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
  route({
    method: 'GET',
    path: '/v1/tenants/{tenant}/audit',
    summary: `The audit trail, newest first: who changed which object when, fields before and after (kept ${AUDIT_RETENTION_SECONDS / 86_400} days)`,
    roles: READERS,
    successStatus: 200,
    params: z.strictObject({ tenant: tenantId() }),
    query: z.strictObject({
      ...pageQuery,
      objectType: z
        .enum(['tenant', 'edge', 'provider', 'policy', 'dial-plan', 'rerouting', 'user', 'contact', 'credential-record'])
        .optional(),
      objectId: z.string().max(512).optional(),
      credentialId: z.string().max(128).optional(),
      // Normalised as the records' times are written (milliseconds, Z): the range compares text.
      from: z.iso.datetime({ error: 'must be an ISO 8601 time such as 2026-11-25T00:00:00Z' }).transform(toIsoTime).optional(),
      to: z.iso.datetime({ error: 'must be an ISO 8601 time such as 2026-11-25T23:59:59Z' }).transform(toIsoTime).optional(),
    }),
    handle: async ({ params, query }, deps) => {
      const { limit, cursor, ...filter } = query;
      return { status: 200, body: await deps.events.queryAudit(params.tenant, filter, cursor ?? null, limit) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/tenants/{tenant}/dead-letters',
    summary: 'Provider events that could not be delivered, newest first, with the reason',
    roles: READERS,
    successStatus: 200,
    params: z.strictObject({ tenant: tenantId() }),
    query: z.strictObject(pageQuery),
    handle: async ({ params, query }, deps) => ({
      status: 200,
      body: await deps.events.listDeadLetters(params.tenant, query.cursor ?? null, query.limit),
    }),
  }),
];
