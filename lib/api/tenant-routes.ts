// Tenants and their SIP domains: operators create, list, rename them and add or remove their
// domains (a domain claim is global: only an operator may take one); readers read their own.
import * as z from 'zod';
import { fqdn } from '../domain/fields.js';
import { TenantCreateSchema, TenantDomainSchema, TenantPatchSchema, TenantSchema } from '../domain/tenant.js';
import * as tenants from '../management/tenants.js';
import { dryRunQuery, noQuery, pageQuery } from './http.js';
import { OPERATORS, READERS, itemResult, route, writeResult, type Route } from './route.js';
import { TENANT_PATH, tenantParams } from './tenant-path.js';

export const tenantRoutes: Route[] = [
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
    path: TENANT_PATH,
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
    method: 'PATCH',
    path: TENANT_PATH,
    summary: 'Rename a tenant (its display name; the id never changes)',
    roles: OPERATORS,
    successStatus: 200,
    params: tenantParams,
    query: dryRunQuery,
    body: TenantPatchSchema,
    response: TenantSchema,
    handle: async ({ actor, params, body, write }, deps) =>
      writeResult(await tenants.renameTenant(deps, actor, params.tenant, body, write), 200),
  }),
  route({
    method: 'POST',
    path: `${TENANT_PATH}/domains`,
    summary: 'Add a SIP domain to a tenant (409 when another tenant holds it); answers the tenant',
    roles: OPERATORS,
    successStatus: 200,
    params: tenantParams,
    query: dryRunQuery,
    body: TenantDomainSchema,
    response: TenantSchema,
    handle: async ({ actor, params, body, write }, deps) =>
      writeResult(await tenants.addTenantDomain(deps, actor, params.tenant, body.domain, write), 200),
  }),
  route({
    method: 'DELETE',
    path: `${TENANT_PATH}/domains/{domain}`,
    summary:
      "Remove a SIP domain from a tenant and release its claim; refused (409) while users or contacts have an address in it, naming them, and for the tenant's last domain; answers the tenant",
    roles: OPERATORS,
    successStatus: 200,
    params: z.strictObject({ tenant: tenantParams.shape.tenant, domain: fqdn() }),
    query: dryRunQuery,
    response: TenantSchema,
    handle: async ({ actor, params, write }, deps) =>
      writeResult(await tenants.removeTenantDomain(deps, actor, params.tenant, params.domain, write), 200),
  }),
  route({
    method: 'DELETE',
    path: TENANT_PATH,
    summary:
      'Offboard a tenant: its credentials refused at once, its items removed (202 while some remain: send again), then its domains freed; its audit kept until its TTL',
    roles: OPERATORS,
    successStatus: 200,
    params: tenantParams,
    query: dryRunQuery,
    response: z.object({
      dryRun: z.boolean().optional(),
      tenantId: z.string(),
      state: z.enum(['offboarding', 'offboarded']),
      removed: z.record(z.string(), z.number()),
      kept: z.object({ audit: z.string() }),
    }),
    handle: async ({ actor, params, write }, deps) => {
      const outcome = await tenants.offboardTenant(deps, actor, params.tenant, write);
      if (outcome.dryRun) return { status: 200, body: { dryRun: true, ...outcome.report } };
      return { status: outcome.report.state === 'offboarded' ? 200 : 202, body: outcome.report };
    },
  }),
];
