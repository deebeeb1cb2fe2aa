// A tenant's credentials, for operators: create one (its token is shown once), list them
// (never their tokens), revoke one. And for every caller, who the credential it sent is (what the
// console shows after sign-in, and which pages and actions it offers).
import * as z from 'zod';
import { CredentialCreateSchema, ROLES } from '../domain/credential.js';
import { tenantId } from '../domain/fields.js';
import * as tenants from '../management/tenants.js';
import { omit } from '../omit.js';
import { dryRunQuery, pageQuery } from './http.js';
import { OPERATORS, route, writeResult, type Route } from './route.js';
import { TENANT_PATH, tenantParams } from './tenant-path.js';

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

/**
 * A new credential's token: in the first answer only. It is stored only hashed, so the answer an
 * Idempotency-Key gives again (Idempotent-Replayed: true) is the same credential without it.
 */
export const shownOnceToken = z.string().optional().meta({
  description:
    'The token, in the first answer only: an answer given again under its Idempotency-Key leaves it out (it is stored only hashed). Lost with the first answer? Revoke this credential and create another.',
});
/** What an Idempotency-Key keeps of a credential's creation: all of it but the token. */
export const withoutToken = (body: unknown) => omit(body as { token?: string }, 'token');

export const WhoAmISchema = z.strictObject({
  credentialId: z.string(),
  role: z.enum(ROLES),
  tenantId: z.string().nullable().meta({ description: 'The tenant the credential belongs to; null for an operator (every tenant)' }),
  providerId: z.string().nullable().meta({ description: 'For a provider credential, the provider it speaks for' }),
});

export const credentialRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/v1/whoami',
    summary: 'The credential this request was made with: its id, role, tenant and provider (never its token)',
    roles: ROLES,
    successStatus: 200,
    params: z.strictObject({}),
    query: z.strictObject({}),
    response: WhoAmISchema,
    handle: ({ actor }) =>
      Promise.resolve({
        status: 200,
        body: { credentialId: actor.credentialId, role: actor.role, tenantId: actor.tenantId, providerId: actor.providerId },
      }),
  }),
  route({
    method: 'POST',
    path: `${TENANT_PATH}/credentials`,
    summary: 'Create a credential; its token is shown in this answer only',
    roles: OPERATORS,
    successStatus: 201,
    remembered: withoutToken,
    params: tenantParams,
    query: dryRunQuery,
    body: CredentialCreateSchema,
    response: CredentialResponseSchema.extend({ token: shownOnceToken }),
    handle: async ({ actor, params, body, write }, deps) =>
      writeResult(await tenants.createCredential(deps, actor, params.tenant, body, write), 201, ({ credential, token }) => ({
        ...credential,
        token,
      })),
  }),
  route({
    method: 'GET',
    path: `${TENANT_PATH}/credentials`,
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
    path: `${TENANT_PATH}/credentials/{credentialId}`,
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
];
