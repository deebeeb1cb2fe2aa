// The management API's routes under /v1: tenants and credentials (operators), the tenant's
// routing configuration (server admins), users and contacts (user admins), and the provider's
// own hosted-voicemail flag (providers).
import * as z from 'zod';
import { ContactCreateSchema, ContactPatchSchema, ContactSchema } from '../domain/contact.js';
import { CredentialCreateSchema } from '../domain/credential.js';
import { DialPlanCreateSchema, DialPlanPatchSchema, DialPlanSchema } from '../domain/dial-plan.js';
import { EdgeSchema, EdgeSchemaInput } from '../domain/edge.js';
import { name, sipAddress, tenantId, fqdn } from '../domain/fields.js';
import { HostingProviderCreateSchema, HostingProviderPatchSchema } from '../domain/hosting-provider.js';
import { ReroutingCreateSchema, ReroutingPatchSchema, ReroutingSchema, reroutingId } from '../domain/rerouting.js';
import { TenantCreateSchema, TenantSchema } from '../domain/tenant.js';
import { UserCreateSchema, UserPatchSchema, UserSchema, UserUpsertSchema } from '../domain/user.js';
import {
  VoicemailPolicyCreateSchema,
  VoicemailPolicyPatchSchema,
  VoicemailPolicySchema,
  grantedTag,
  policyId,
} from '../domain/voicemail-policy.js';
import { FieldIssueSchema, issuesFromZod } from '../errors.js';
import * as principals from '../management/principals.js';
import * as config from '../management/tenant-configuration.js';
import * as tenants from '../management/tenants.js';
import { MAX_BATCH_ROWS, upsertUsers, type BatchRow } from '../management/user-batch.js';
import { dryRunQuery, pageQuery, queryBoolean } from './http.js';
import { READERS, OPERATORS, PROVIDERS, SERVER_ADMINS, USER_ADMINS, itemResult, route, writeResult, type Route } from './route.js';

const TENANT = '/v1/tenants/{tenant}';
const tenantParams = z.strictObject({ tenant: tenantId() });
const noQuery = z.strictObject({});

/** In-memory pages for the small configuration collections, with the same cursor contract as the stored ones. */
function pageOf<T extends { id: string }>(items: T[], cursor: string | undefined, limit: number) {
  const after = cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
  const start = after === undefined ? 0 : items.findIndex((item) => item.id > after);
  const page = start === -1 ? [] : items.slice(start, start + limit);
  const last = page.at(-1);
  const more = start !== -1 && start + limit < items.length;
  return { items: page, nextCursor: more && last !== undefined ? Buffer.from(last.id, 'utf8').toString('base64url') : null };
}

type Collection = typeof config.hostingProviders;

/** The five routes of a configuration collection: list, create, get, patch, delete. */
function collectionRoutes(options: {
  path: string;
  label: string;
  idSchema: z.ZodType<string>;
  create: z.ZodType<{ id: string }>;
  patch: z.ZodType;
  record: z.ZodType;
  filters: Record<string, z.ZodType>;
  useCases: Collection;
}): Route[] {
  const base = `${TENANT}/${options.path}`;
  const itemParams = z.strictObject({ tenant: tenantId(), id: options.idSchema });
  const listQuery = z.strictObject({ ...pageQuery, ...options.filters });
  return [
    route({
      method: 'GET',
      path: base,
      summary: `List ${options.label}s`,
      roles: READERS,
      successStatus: 200,
      params: tenantParams,
      query: listQuery,
      response: z.object({ items: z.array(options.record), nextCursor: z.string().nullable() }),
      handle: async ({ params, query }, deps) => {
        const { limit, cursor, ...filters } = query as { limit: number; cursor?: string } & Record<string, unknown>;
        const all = (await options.useCases.list(deps, params.tenant)) as { id: string }[];
        const matching = all.filter((item) =>
          Object.entries(filters).every(([key, value]) => value === undefined || (item as Record<string, unknown>)[key] === value),
        );
        return { status: 200, body: pageOf(matching, cursor, limit) };
      },
    }),
    route({
      method: 'POST',
      path: base,
      summary: `Create a ${options.label}`,
      roles: SERVER_ADMINS,
      successStatus: 201,
      params: tenantParams,
      query: dryRunQuery,
      body: options.create,
      response: options.record,
      handle: async ({ actor, params, body, write }, deps) =>
        writeResult(await options.useCases.create(deps, actor, params.tenant, body as never, write), 201),
    }),
    route({
      method: 'GET',
      path: `${base}/{id}`,
      summary: `Get a ${options.label}`,
      roles: READERS,
      successStatus: 200,
      params: itemParams,
      query: noQuery,
      response: options.record,
      handle: async ({ params }, deps) => {
        const { record, version } = await options.useCases.get(deps, params.tenant, params.id);
        return itemResult(record, version);
      },
    }),
    route({
      method: 'PATCH',
      path: `${base}/{id}`,
      summary: `Change a ${options.label}`,
      roles: SERVER_ADMINS,
      successStatus: 200,
      params: itemParams,
      query: dryRunQuery,
      body: options.patch,
      response: options.record,
      handle: async ({ actor, params, body, write }, deps) =>
        writeResult(await options.useCases.patch(deps, actor, params.tenant, params.id, body as never, write), 200),
    }),
    route({
      method: 'DELETE',
      path: `${base}/{id}`,
      summary: `Delete a ${options.label}`,
      roles: SERVER_ADMINS,
      successStatus: 204,
      params: itemParams,
      query: dryRunQuery,
      handle: async ({ actor, params, write }, deps) =>
        writeResult(await options.useCases.remove(deps, actor, params.tenant, params.id, write), 204),
    }),
  ];
}

const PublicProviderSchema = z.object({
  id: z.string(),
  proxyFqdn: z.string(),
  enabled: z.boolean(),
  sharedAddressSpace: z.boolean(),
  hostsUsers: z.boolean(),
  isLocal: z.boolean(),
  verificationLevel: z.string(),
  eventEndpoint: z.object({ url: z.string(), secretConfigured: z.boolean() }).nullable(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const principalFilters = {
  enabled: queryBoolean().optional(),
  enterpriseVoiceEnabled: queryBoolean().optional(),
  site: name('site').optional(),
  lineUri: z
    .string()
    .regex(/^tel:\+[0-9]*(;ext=[0-9]*)?\*?$/i, { error: 'must be a line URI, or its prefix followed by * (tel:+1425*)' })
    .transform((value) => value.replace(/^tel:/i, 'tel:').replace(/;ext=/i, ';ext='))
    .optional(),
  hostedVoicemailPolicy: grantedTag().optional(),
  registrarPool: fqdn().optional(),
};

function principalRoutes(type: 'user' | 'contact'): Route[] {
  const base = `${TENANT}/${type}s`;
  const itemParams = z.strictObject({ tenant: tenantId(), sipUri: sipAddress() });
  const record = type === 'user' ? UserSchema : ContactSchema;
  const filters =
    type === 'user' ? principalFilters : { ...principalFilters, kind: z.enum(['subscriber-access', 'auto-attendant']).optional() };
  // The user and contact use cases have the same shape; the route schemas keep their inputs apart.
  const create = (type === 'user' ? principals.createUser : principals.createContact) as typeof principals.createUser;
  const patch = (type === 'user' ? principals.patchUser : principals.patchContact) as typeof principals.patchUser;
  const remove = (type === 'user' ? principals.deleteUser : principals.deleteContact) as typeof principals.deleteUser;
  const createSchema = (type === 'user' ? UserCreateSchema : ContactCreateSchema) as z.ZodType;
  const patchSchema = (type === 'user' ? UserPatchSchema : ContactPatchSchema) as z.ZodType;
  return [
    route({
      method: 'GET',
      path: base,
      summary: `List ${type}s (filters combine with AND; a page may be short, follow nextCursor)`,
      roles: READERS,
      successStatus: 200,
      params: tenantParams,
      query: z.strictObject({ ...pageQuery, ...filters }),
      response: z.object({ items: z.array(record), nextCursor: z.string().nullable() }),
      handle: async ({ params, query }, deps) => {
        const { limit, cursor, ...filter } = query as { limit: number; cursor?: string };
        return { status: 200, body: await principals.listPrincipals(deps, params.tenant, type, filter, cursor ?? null, limit) };
      },
    }),
    route({
      method: 'POST',
      path: base,
      summary: `Create a ${type}`,
      roles: USER_ADMINS,
      successStatus: 201,
      params: tenantParams,
      query: dryRunQuery,
      body: createSchema,
      response: record,
      handle: async ({ actor, params, body, write }, deps) =>
        writeResult(await create(deps, actor, params.tenant, body as never, write), 201),
    }),
    route({
      method: 'GET',
      path: `${base}/{sipUri}`,
      summary: `Get a ${type} by SIP address`,
      roles: READERS,
      successStatus: 200,
      params: itemParams,
      query: noQuery,
      response: record,
      handle: async ({ params }, deps) => {
        const principal = await principals.getPrincipal(deps, params.tenant, type, params.sipUri);
        return itemResult(principal, principal.version);
      },
    }),
    route({
      method: 'PATCH',
      path: `${base}/{sipUri}`,
      summary: `Change a ${type} (absent fields are kept; null clears)`,
      roles: USER_ADMINS,
      successStatus: 200,
      params: itemParams,
      query: dryRunQuery,
      body: patchSchema,
      response: record,
      handle: async ({ actor, params, body, write }, deps) =>
        writeResult(await patch(deps, actor, params.tenant, params.sipUri, body as never, write), 200),
    }),
    route({
      method: 'DELETE',
      path: `${base}/{sipUri}`,
      summary: `Delete a ${type}`,
      roles: USER_ADMINS,
      successStatus: 204,
      params: itemParams,
      query: dryRunQuery,
      handle: async ({ actor, params, write }, deps) => writeResult(await remove(deps, actor, params.tenant, params.sipUri, write), 204),
    }),
  ];
}

/** A batch's rows are about 300 bytes each; API Gateway and Lambda take far more. */
const BATCH_MAX_BODY_BYTES = 1024 * 1024;

const UserBatchAnswerSchema = z.object({
  dryRun: z.boolean(),
  counts: z.object({ created: z.number().int(), updated: z.number().int(), unchanged: z.number().int(), failed: z.number().int() }),
  results: z.array(
    z.object({
      index: z.number().int().meta({ description: 'Position of the row in users' }),
      sipUri: z.string().nullable(),
      outcome: z.enum(['created', 'updated', 'unchanged', 'failed']),
      version: z.number().int().optional(),
      errors: z.array(FieldIssueSchema).optional(),
      warnings: z.array(z.string()).optional(),
    }),
  ),
});

const CredentialResponseSchema = z.object({
  id: z.string(),
  tenantId: z.string().nullable(),
  role: z.string(),
  name: z.string(),
  providerId: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().nullable(),
});

export const managementRoutes: Route[] = [
  route({
    method: 'POST',
    path: '/v1/tenants',
    summary: 'Create a tenant with its SIP domains',
    roles: OPERATORS,
    successStatus: 201,
    params: z.strictObject({}),
    query: dryRunQuery,
    body: TenantCreateSchema,
    response: TenantSchema,
    handle: async ({ actor, body, write }, deps) => writeResult(await tenants.createTenant(deps, actor, body, write), 201),
  }),
  route({
    method: 'GET',
    path: '/v1/tenants',
    summary: 'List tenants',
    roles: OPERATORS,
    successStatus: 200,
    params: z.strictObject({}),
    query: z.strictObject(pageQuery),
    response: z.object({ items: z.array(TenantSchema), nextCursor: z.string().nullable() }),
    handle: async ({ query }, deps) => ({ status: 200, body: await tenants.listTenants(deps, query.cursor ?? null, query.limit) }),
  }),
  route({
    method: 'GET',
    path: TENANT,
    summary: 'Get a tenant',
    roles: READERS,
    successStatus: 200,
    params: tenantParams,
    query: noQuery,
    response: TenantSchema,
    handle: async ({ params }, deps) => {
      const tenant = await tenants.getTenant(deps, params.tenant);
      return itemResult(tenant, tenant.version);
    },
  }),
  route({
    method: 'POST',
    path: `${TENANT}/credentials`,
    summary: 'Create a credential; its token is shown in this answer only',
    roles: OPERATORS,
    successStatus: 201,
    params: tenantParams,
    query: dryRunQuery,
    body: CredentialCreateSchema,
    response: CredentialResponseSchema.extend({ token: z.string() }),
    handle: async ({ actor, params, body, write }, deps) =>
      writeResult(await tenants.createCredential(deps, actor, params.tenant, body, write), 201, ({ credential, token }) => ({
        ...credential,
        token,
      })),
  }),
  route({
    method: 'GET',
    path: `${TENANT}/credentials`,
    summary: "List a tenant's credentials (never their tokens)",
    roles: OPERATORS,
    successStatus: 200,
    params: tenantParams,
    query: z.strictObject(pageQuery),
    response: z.object({ items: z.array(CredentialResponseSchema), nextCursor: z.string().nullable() }),
    handle: async ({ params, query }, deps) => ({
      status: 200,
      body: await tenants.listCredentials(deps, params.tenant, query.cursor ?? null, query.limit),
    }),
  }),
  route({
    method: 'DELETE',
    path: `${TENANT}/credentials/{credentialId}`,
    summary: 'Revoke a credential',
    roles: OPERATORS,
    successStatus: 204,
    params: z.strictObject({
      tenant: tenantId(),
      credentialId: z.string().regex(/^cred_[A-Za-z0-9_-]{1,64}$/, { error: 'not a credential id' }),
    }),
    query: dryRunQuery,
    handle: async ({ actor, params, write }, deps) =>
      writeResult(await tenants.revokeCredential(deps, actor, params.tenant, params.credentialId, write), 204),
  }),
  route({
    method: 'GET',
    path: `${TENANT}/edge`,
    summary: 'Get the edge configuration',
    roles: READERS,
    successStatus: 200,
    params: tenantParams,
    query: noQuery,
    response: EdgeSchema,
    handle: async ({ params }, deps) => {
      const edge = await config.getEdge(deps, params.tenant);
      return itemResult(edge, edge.version);
    },
  }),
  route({
    method: 'PUT',
    path: `${TENANT}/edge`,
    summary: 'Replace the edge configuration',
    roles: SERVER_ADMINS,
    successStatus: 200,
    params: tenantParams,
    query: dryRunQuery,
    body: EdgeSchemaInput,
    response: EdgeSchema,
    handle: async ({ actor, params, body, write }, deps) => writeResult(await config.putEdge(deps, actor, params.tenant, body, write), 200),
  }),
  ...collectionRoutes({
    path: 'hosting-providers',
    label: 'hosting provider',
    idSchema: name('provider id'),
    create: HostingProviderCreateSchema,
    patch: HostingProviderPatchSchema,
    record: PublicProviderSchema,
    filters: { enabled: queryBoolean().optional() },
    useCases: config.hostingProviders,
  }),
  ...collectionRoutes({
    path: 'voicemail-policies',
    label: 'hosted voicemail policy',
    idSchema: policyId(),
    create: VoicemailPolicyCreateSchema,
    patch: VoicemailPolicyPatchSchema,
    record: VoicemailPolicySchema,
    filters: {},
    // eslint-disable-next-line no-restricted-syntax -- each collection's use cases have its own record types; the routes only pass through what its schemas parsed
    useCases: config.voicemailPolicies as unknown as Collection,
  }),
  ...collectionRoutes({
    path: 'dial-plans',
    label: 'on-premises UM dial plan',
    idSchema: fqdn(),
    create: DialPlanCreateSchema,
    patch: DialPlanPatchSchema,
    record: DialPlanSchema,
    filters: {},
    // eslint-disable-next-line no-restricted-syntax -- each collection's use cases have its own record types; the routes only pass through what its schemas parsed
    useCases: config.dialPlans as unknown as Collection,
  }),
  ...collectionRoutes({
    path: 'rerouting',
    label: 'voicemail rerouting configuration',
    idSchema: reroutingId(),
    create: ReroutingCreateSchema,
    patch: ReroutingPatchSchema,
    record: ReroutingSchema,
    filters: { enabled: queryBoolean().optional() },
    // eslint-disable-next-line no-restricted-syntax -- each collection's use cases have its own record types; the routes only pass through what its schemas parsed
    useCases: config.reroutingConfigurations as unknown as Collection,
  }),
  ...principalRoutes('user'),
  route({
    method: 'POST',
    path: `${TENANT}/users/batch`,
    summary: `Create or update up to ${MAX_BATCH_ROWS} users (absent fields kept, or defaulted for new users); each row is answered on its own`,
    roles: USER_ADMINS,
    successStatus: 200,
    maxBodyBytes: BATCH_MAX_BODY_BYTES,
    params: tenantParams,
    query: dryRunQuery,
    body: z.strictObject({
      users: z
        .array(z.unknown())
        .min(1)
        .max(MAX_BATCH_ROWS, { error: `at most ${MAX_BATCH_ROWS} rows a request` })
        .meta({ description: 'Rows shaped like UserUpsert: sipUri, then any fields of a user patch' }),
    }),
    response: UserBatchAnswerSchema,
    handle: async ({ actor, params, body, write }, deps) => {
      const rows = body.users.map((row, index): BatchRow => {
        const parsed = UserUpsertSchema.safeParse(row);
        if (parsed.success) return { index, user: parsed.data };
        const sipUri = (row as { sipUri?: unknown } | null)?.sipUri;
        return { index, sipUri: typeof sipUri === 'string' ? sipUri : null, issues: issuesFromZod(parsed.error) };
      });
      const results = await upsertUsers(deps, actor, params.tenant, rows, { dryRun: write.dryRun });
      const counts = { created: 0, updated: 0, unchanged: 0, failed: 0 };
      for (const result of results) counts[result.outcome]++;
      return { status: 200, body: { dryRun: write.dryRun, counts, results } };
    },
  }),
  route({
    method: 'PUT',
    path: `${TENANT}/users/{sipUri}/hosted-voicemail/provider`,
    summary: "Set the provider's hosted-voicemail flag (ExchangeHostedVoiceMail) of a user whose voicemail this provider serves",
    roles: PROVIDERS,
    successStatus: 200,
    params: z.strictObject({ tenant: tenantId(), sipUri: sipAddress() }),
    query: dryRunQuery,
    body: z.strictObject({ value: z.boolean().nullable() }),
    response: UserSchema,
    handle: async ({ actor, params, body, write }, deps) =>
      writeResult(await principals.setProviderFlag(deps, actor, params.tenant, params.sipUri, body.value, write), 200),
  }),
  ...principalRoutes('contact'),
];
