// A tenant's routing configuration: the edge, and the collections of hosting providers, hosted
// voicemail policies, on-premises UM dial plans and rerouting. Readers read; server admins write.
import * as z from 'zod';
import { DialPlanCreateSchema, DialPlanPatchSchema, DialPlanSchema } from '../domain/dial-plan.js';
import { EdgeSchema, EdgeSchemaInput } from '../domain/edge.js';
import { fqdn, name } from '../domain/fields.js';
import { GatewaySettingsSchema, GatewaySettingsSchemaInput } from '../domain/gateway-settings.js';
import { HostingProviderCreateSchema, HostingProviderPatchSchema } from '../domain/hosting-provider.js';
import { ReroutingCreateSchema, ReroutingPatchSchema, ReroutingSchema, reroutingId } from '../domain/rerouting.js';
import { VoicemailPolicyCreateSchema, VoicemailPolicyPatchSchema, VoicemailPolicySchema, policyId } from '../domain/voicemail-policy.js';
import * as config from '../management/tenant-configuration.js';
import { collectionRoutes, type Collection } from './collection-routes.js';
import { dryRunQuery, noQuery, queryBoolean } from './http.js';
import { READERS, SERVER_ADMINS, itemResult, route, writeResult, type Route } from './route.js';
import { TENANT_PATH, tenantParams } from './tenant-path.js';

/** A hosting provider as the API shows it (publicHostingProvider): whether its event endpoint has a secret, never the secret. */
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

export const configurationRoutes: Route[] = [
  route({
    method: 'GET',
    path: `${TENANT_PATH}/edge`,
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
    path: `${TENANT_PATH}/edge`,
    summary: 'Replace the edge configuration',
    roles: SERVER_ADMINS,
    successStatus: 200,
    params: tenantParams,
    query: dryRunQuery,
    body: EdgeSchemaInput,
    response: EdgeSchema,
    handle: async ({ actor, params, body, write }, deps) => writeResult(await config.putEdge(deps, actor, params.tenant, body, write), 200),
  }),
  route({
    method: 'GET',
    path: `${TENANT_PATH}/gateway-settings`,
    summary:
      'Get the gateway settings: how long gateways may serve a resolve answer while the service cannot answer (stale-if-error); never written: the defaults, version 0',
    roles: READERS,
    successStatus: 200,
    params: tenantParams,
    query: noQuery,
    response: GatewaySettingsSchema,
    handle: async ({ params }, deps) => {
      const settings = await config.getGatewaySettings(deps, params.tenant);
      return itemResult(settings, settings.version);
    },
  }),
  route({
    method: 'PUT',
    path: `${TENANT_PATH}/gateway-settings`,
    summary: 'Replace the gateway settings (If-Match "0" names the defaults of settings never written)',
    roles: SERVER_ADMINS,
    successStatus: 200,
    params: tenantParams,
    query: dryRunQuery,
    body: GatewaySettingsSchemaInput,
    response: GatewaySettingsSchema,
    handle: async ({ actor, params, body, write }, deps) =>
      writeResult(await config.putGatewaySettings(deps, actor, params.tenant, body, write), 200),
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
];
