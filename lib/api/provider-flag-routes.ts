// The hosting provider's own hosted-voicemail flag (ExchangeHostedVoiceMail), which a provider
// sets on a user whose voicemail it serves.
import * as z from 'zod';
import { sipAddress, tenantId } from '../domain/fields.js';
import { UserSchema } from '../domain/user.js';
import * as principals from '../management/principals.js';
import { dryRunQuery } from './http.js';
import { PROVIDERS, route, writeResult, type Route } from './route.js';
import { TENANT_PATH } from './tenant-path.js';

export const providerFlagRoutes: Route[] = [
  route({
    method: 'PUT',
    path: `${TENANT_PATH}/users/{sipUri}/hosted-voicemail/provider`,
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
];
