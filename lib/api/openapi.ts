// The OpenAPI 3.1 document, generated from the route table and its zod schemas (zod's own
// JSON Schema output; OpenAPI 3.1 schemas are JSON Schema 2020-12), so docs cannot drift.
import * as z from 'zod';
import { omit } from '../omit.js';
import { ProblemSchema } from './problem.js';
import { IDEMPOTENCY_HEADER, IDEMPOTENCY_WINDOW_SECONDS, REPLAYED_HEADER } from './idempotency-key.js';
import { createsSomething, type AnyRoute as Route, type PublicRoute } from './route.js';

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  return omit(z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>, '$schema');
};

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

function parameters(route: Route) {
  const path = jsonSchema(route.params, 'input') as { properties?: Record<string, object>; required?: string[] };
  const query = jsonSchema(route.query, 'input') as { properties?: Record<string, object>; required?: string[] };
  return [
    ...Object.entries(path.properties ?? {}).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
    ...Object.entries(query.properties ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: (query.required ?? []).includes(name),
      schema,
    })),
    ...(route.method === 'PATCH' || route.method === 'DELETE' || route.method === 'PUT'
      ? [
          {
            name: 'If-Match',
            in: 'header',
            required: false,
            schema: { type: 'string' },
            description: 'The ETag last read; a stale one gets 412',
          },
        ]
      : []),
    ...(createsSomething(route)
      ? [
          {
            name: IDEMPOTENCY_HEADER,
            in: 'header',
            required: false,
            schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
            description: `A key the client makes up (a UUID) to retry safely: the same key and request from the same credential within ${IDEMPOTENCY_WINDOW_SECONDS / 3600} h answer the first successful answer again (header ${REPLAYED_HEADER}: true); the key with another request is 422 (idempotency-key-reused); while the first is still being answered, 409 with Retry-After`,
          },
        ]
      : []),
  ];
}

/** A public route's operation: no credential (security []), no parameters, its answer or 503. */
function publicOperation(route: PublicRoute) {
  return {
    summary: route.summary,
    description:
      'No credential: anyone may call it (load balancers, DNS health checks, gateways); one sent anyway is not looked at. HEAD answers the same without the body. Cache-Control: no-store.',
    'x-exum-public': true,
    parameters: [],
    responses: {
      '200': { description: 'Success', content: { 'application/json': { schema: jsonSchema(route.response, 'output') } } },
      '503': problem('Unavailable (for readiness: the store did not answer in time); retry after Retry-After seconds'),
    },
    security: [],
  };
}

export function buildOpenApiDocument(
  routes: readonly Route[],
  publicRoutes: readonly PublicRoute[],
  info: { title: string; version: string },
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const responses: Record<string, unknown> = {
      [String(route.successStatus)]:
        route.successStatus === 204
          ? { description: 'Done' }
          : {
              description: 'Success',
              ...(route.response === undefined
                ? {}
                : { content: { 'application/json': { schema: jsonSchema(route.response, 'output') } } }),
            },
      '400': problem('Invalid request: the errors name the field and the rule'),
      '401': problem('Missing, unknown or revoked credential'),
      '403': problem("The credential's role may not do this"),
      '404': problem('Not found (also for anything of another tenant)'),
      '503': problem('Store unavailable; retry after Retry-After seconds'),
    };
    if (route.accepted !== undefined) {
      responses['202'] = {
        description: route.accepted,
        headers: { Location: { description: 'Where to follow the work (GET)', schema: { type: 'string' } } },
        ...(route.response === undefined ? {} : { content: { 'application/json': { schema: jsonSchema(route.response, 'output') } } }),
      };
    }
    if (createsSomething(route)) {
      Object.assign(responses, { '422': problem('Idempotency-Key already used for another request (idempotency-key-reused)') });
    }
    if (route.method !== 'GET') {
      Object.assign(responses, {
        '409': problem('Duplicate, or refused by a configuration rule'),
        '412': problem('If-Match does not match the current version'),
      });
    }
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      summary: route.summary,
      description: `Roles: ${route.roles.join(', ')}.${route.method === 'GET' ? '' : ' `?dryRun=true` validates and returns the changes without writing.'}`,
      'x-exum-roles': route.roles,
      parameters: parameters(route),
      ...(route.body === undefined
        ? {}
        : { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } }),
      responses,
      security: [{ bearer: [] }],
    };
  }
  for (const route of publicRoutes) (paths[route.path] ??= {})[route.method.toLowerCase()] = publicOperation(route);
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { Problem: jsonSchema(ProblemSchema, 'output') },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'exum_… tokens from POST /v1/tenants/{tenant}/credentials' },
      },
    },
  };
}
