// Operator credentials, for operators: list them (never their tokens), create one (its token is
// shown once), revoke one (never the last active one). The first one is bootstrapped outside the
// API (docs/deploy.md): the local service's EXUM_OPERATOR_TOKEN, `exumctl operator-credential bootstrap` in AWS.
import * as z from 'zod';
import { text } from '../domain/fields.js';
import * as operators from '../management/operator-credentials.js';
import { shownOnceToken, withoutToken } from './credential-routes.js';
import { dryRunQuery, pageQuery } from './http.js';
import { OPERATORS, route, writeResult, type Route } from './route.js';

const OperatorCredentialSchema = z.object({
  id: z.string(),
  tenantId: z.null(),
  role: z.literal('operator'),
  name: z.string(),
  providerId: z.null(),
  createdAt: z.string(),
  createdBy: z.string().meta({ description: 'The operator credential that created it, or "bootstrap"' }),
  revokedAt: z.string().nullable(),
  revokedBy: z
    .object({ credentialId: z.string(), role: z.string() })
    .nullable()
    .meta({ description: 'Who revoked it (a replaced bootstrap credential: the one that replaced it)' }),
});

const OperatorCredentialCreateSchema = z.strictObject({ name: text(128).min(1, { error: 'name is required' }) });

export const operatorCredentialRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/v1/operator-credentials',
    summary: 'List the operator credentials, revoked ones included (never their tokens)',
    roles: OPERATORS,
    successStatus: 200,
    params: z.strictObject({}),
    query: z.strictObject(pageQuery),
    response: z.object({ items: z.array(OperatorCredentialSchema), nextCursor: z.string().nullable() }),
    handle: async ({ query }, deps) => ({
      status: 200,
      body: await operators.listOperatorCredentials(deps, query.cursor ?? null, query.limit),
    }),
  }),
  route({
    method: 'POST',
    path: '/v1/operator-credentials',
    summary: 'Create an operator credential (every tenant); its token is shown in this answer only',
    roles: OPERATORS,
    successStatus: 201,
    remembered: withoutToken,
    params: z.strictObject({}),
    query: dryRunQuery,
    body: OperatorCredentialCreateSchema,
    response: OperatorCredentialSchema.extend({ token: shownOnceToken }),
    handle: async ({ actor, body, write }, deps) =>
      writeResult(await operators.createOperatorCredential(deps, actor, body, write), 201, ({ credential, token }) => ({
        ...credential,
        token,
      })),
  }),
  route({
    method: 'DELETE',
    path: '/v1/operator-credentials/{credentialId}',
    summary:
      'Revoke an operator credential: refused at once by the instance that revoked it, everywhere within 5 s; refused (409, last-operator-credential) for the last active one',
    roles: OPERATORS,
    successStatus: 204,
    params: z.strictObject({ credentialId: z.string().regex(/^cred_[A-Za-z0-9_-]{1,64}$/, { error: 'not a credential id' }) }),
    query: dryRunQuery,
    handle: async ({ actor, params, write }, deps) =>
      writeResult(await operators.revokeOperatorCredential(deps, actor, params.credentialId, write), 204),
  }),
];
