// Every route of the API, and how they are split over the Lambda functions. The local server
// mounts the same split; the CDK stack creates an API Gateway method for each (cdk/stateless-stack.ts).
// The public routes (no credential: the health checks) are listed apart, in publicRoutes.
import * as z from 'zod';
import { ROLES } from '../domain/credential.js';
import { auditRoutes } from './audit-routes.js';
import { configurationRoutes } from './configuration-routes.js';
import { credentialRoutes } from './credential-routes.js';
import { deadLetterRoutes } from './dead-letter-routes.js';
import { healthRoutes } from './health-routes.js';
import { migrationRoutes } from './migration-routes.js';
import { operatorCredentialRoutes } from './operator-credential-routes.js';
import { buildOpenApiDocument } from './openapi.js';
import { contactRoutes, userRoutes } from './principal-routes.js';
import { providerFlagRoutes } from './provider-flag-routes.js';
import { provisioningRoutes } from './provisioning-routes.js';
import { resolveRoutes } from './resolve-routes.js';
import { route, type AnyRoute } from './route.js';
import { summaryRoutes } from './summary-routes.js';
import { tenantRoutes } from './tenant-routes.js';
import { userBatchRoutes } from './user-batch-routes.js';

export const openApiDocument = () => buildOpenApiDocument(apiRoutes, publicRoutes, { title: 'exum-router API', version: '1' });

const openApiRoute = route({
  method: 'GET',
  path: '/v1/openapi.json',
  summary: 'This API as an OpenAPI 3.1 document',
  roles: ROLES,
  successStatus: 200,
  params: z.strictObject({}),
  query: z.strictObject({}),
  handle: () => Promise.resolve({ status: 200, body: openApiDocument() }),
});

/** The routes each function serves, in the order docs/api.md and docs/openapi.json list them. */
export const functionRoutes = {
  resolve: resolveRoutes,
  management: [
    ...tenantRoutes,
    ...summaryRoutes,
    ...credentialRoutes,
    ...operatorCredentialRoutes,
    ...configurationRoutes,
    ...userRoutes,
    ...userBatchRoutes,
    ...providerFlagRoutes,
    ...contactRoutes,
    ...migrationRoutes,
    ...provisioningRoutes,
    ...auditRoutes,
    ...deadLetterRoutes,
    openApiRoute,
  ],
};

export const apiRoutes: readonly AnyRoute[] = [...functionRoutes.resolve, ...functionRoutes.management] as readonly AnyRoute[];

/**
 * The routes anyone may call with no credential (PublicRoute, lib/api/route.ts), served by a function
 * of their own (functions/health.ts; in AWS with no authorizer). Nothing else is public: a route that
 * needs none goes here, on purpose, and into the list test/integration/role-matrix.test.ts holds.
 */
export const publicRoutes = healthRoutes;
