// Users and contacts (auto attendants, subscriber access), one set of five routes each: list
// with filters, create, get, change, delete. Readers read; user admins write.
import * as z from 'zod';
import { ContactCreateSchema, ContactPatchSchema, ContactSchema } from '../domain/contact.js';
import { fqdn, name, sipAddress, tenantId } from '../domain/fields.js';
import { ROUTES } from '../domain/tenant-summary.js';
import { UserCreateSchema, UserPatchSchema, UserSchema } from '../domain/user.js';
import { grantedTag } from '../domain/voicemail-policy.js';
import * as principals from '../management/principals.js';
import { dryRunQuery, noQuery, pageQuery, queryBoolean } from './http.js';
import { READERS, USER_ADMINS, itemResult, route, writeResult, type Route } from './route.js';
import { TENANT_PATH, tenantParams } from './tenant-path.js';

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
  sipUriPrefix: z
    .string()
    .max(2048)
    .regex(/^(sip:)?[^\s]*$/i, { error: 'must be the beginning of a SIP address (sip:al, or al)' })
    // Addresses are kept as sip:user@host with the host lower-case: the prefix is put the same way.
    .transform((value) => {
      const rest = value.replace(/^sip:/i, '');
      const at = rest.indexOf('@');
      return `sip:${at === -1 ? rest : rest.slice(0, at) + rest.slice(at).toLowerCase()}`;
    })
    .optional()
    .meta({ description: 'SIP addresses beginning with this (sip:al or al): read by key, quick at any number of users' }),
  route: z
    .enum(ROUTES, { error: 'must be hosted, onPremises or notRoutable' })
    .optional()
    .meta({ description: 'Where voicemail routes, as the tenant summary counts it' }),
};

function principalRoutes(type: 'user' | 'contact'): Route[] {
  const base = `${TENANT_PATH}/${type}s`;
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

export const userRoutes = principalRoutes('user');
export const contactRoutes = principalRoutes('contact');
