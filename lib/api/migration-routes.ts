// Migrations: user admins start, watch, roll back and cancel them; providers answer them.
import * as z from 'zod';
import { sipAddress, tenantId } from '../domain/fields.js';
import {
  MIGRATION_USER_STATES,
  MigrationCreateSchema,
  MigrationSchema,
  MigrationUserSchema,
  ProviderAnswerSchema,
  RollbackSchema,
} from '../domain/migration.js';
import * as migrations from '../migrations/migrations.js';
import { omit } from '../omit.js';
import { dryRunQuery, pageQuery, noQuery } from './http.js';
import { PROVIDERS, READERS, USER_ADMINS, itemResult, route, writeResult, type Route } from './route.js';
import { TENANT_PATH, tenantParams } from './tenant-path.js';

const BASE = `${TENANT_PATH}/migrations`;
const migrationId = z.string().regex(/^mig_[A-Za-z0-9_-]{1,32}$/, { error: 'not a migration id' });
const migrationParams = z.strictObject({ tenant: tenantId(), migrationId });

/** Progress: the migration, counts over all its users per state, and a page of users with the time of each step. */
const MigrationProgressSchema = z.object({
  migration: MigrationSchema,
  counts: z.object(
    Object.fromEntries(MIGRATION_USER_STATES.map((state) => [state, z.number().int()])) as Record<
      (typeof MIGRATION_USER_STATES)[number],
      z.ZodNumber
    >,
  ),
  users: z.array(MigrationUserSchema.omit({ migrationId: true, providerId: true, version: true })),
  nextCursor: z.string().nullable(),
});

const RollbackAnswerSchema = z.object({
  rolledBack: z.array(z.string()).meta({ description: 'Users rolled back by this request' }),
  skipped: z
    .array(z.object({ sipUri: z.string(), state: z.enum(MIGRATION_USER_STATES) }))
    .meta({ description: 'Users left as they were: neither completed nor requested' }),
});

export const migrationRoutes: Route[] = [
  route({
    method: 'POST',
    path: BASE,
    summary: 'Start a migration of users to a hosting provider, in waves',
    roles: USER_ADMINS,
    successStatus: 201,
    creates: true,
    accepted: `More than ${migrations.ENROLLED_IN_THE_REQUEST} users, or a filter: accepted, state enrolling; its users are checked and enrolled in the background. Follow Location (GET) until the state is running (or refused, with the reasons in refusal)`,
    // 10,000 SIP addresses: about 40 bytes each as JSON.
    maxBodyBytes: 1024 * 1024,
    params: tenantParams,
    query: dryRunQuery,
    body: MigrationCreateSchema,
    response: MigrationSchema.extend({
      warnings: z
        .array(z.string())
        .optional()
        .meta({ description: 'The same request made again: the migration it started, and nothing new started' }),
    }),
    handle: async ({ actor, params, body, write }, deps) => {
      const outcome = await migrations.startMigration(deps, actor, params.tenant, body, write);
      if (outcome.dryRun) return writeResult(outcome, 200);
      const result = writeResult(outcome, outcome.record.state === 'enrolling' ? 202 : 201);
      return { ...result, headers: { ...result.headers, Location: `/v1/tenants/${params.tenant}/migrations/${outcome.record.id}` } };
    },
  }),
  route({
    method: 'GET',
    path: BASE,
    summary: 'List migrations, newest first',
    roles: READERS,
    successStatus: 200,
    params: tenantParams,
    query: z.strictObject(pageQuery),
    response: z.object({ items: z.array(MigrationSchema), nextCursor: z.string().nullable() }),
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
    response: MigrationProgressSchema,
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
    query: noQuery,
    body: RollbackSchema,
    response: RollbackAnswerSchema,
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
    query: noQuery,
    response: MigrationSchema,
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
    query: noQuery,
    body: ProviderAnswerSchema,
    response: MigrationUserSchema.omit({ migrationId: true, providerId: true }),
    handle: async ({ actor, params, body }, deps) => {
      const item = await migrations.answerMigration(deps, actor, params.tenant, params.migrationId, params.sipUri, body);
      return { status: 200, body: omit(item, 'migrationId', 'providerId') };
    },
  }),
];
