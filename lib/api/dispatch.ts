// From an API Gateway event to a route's use case: find the route, check the credential's
// tenant and role, parse path, query and body, call, answer. Errors propagate to the
// problem-details middleware (lib/api/middleware.ts).
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Actor } from '../domain/credential.js';
import { ExumError, notFound, parseInput } from '../errors.js';
import { actorOf, notModifiedIfMatched, parseIfMatch, parseJsonBody, toProxyResult } from './http.js';
import { idempotencyKeyOf, type IdempotentRunner } from './idempotency-key.js';
import { createsSomething, type AnyRoute, type Method, type Route } from './route.js';

export interface RouteMatch {
  route: AnyRoute;
  /** Path parameters as they appear in the URL (still percent-encoded). */
  pathParameters: Record<string, string>;
}

const templateRegex = (path: string) =>
  new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([A-Za-z]+)\}/g, '(?<$1>[^/]+)')}$`);

/** Matches a request path against a route table, as API Gateway does with its resources. */
export function createRouteMatcher(routes: readonly AnyRoute[]) {
  const compiled = routes.map((route) => ({ route, regex: templateRegex(route.path) }));
  const byResource = new Map(routes.map((route) => [`${route.method} ${route.path}`, route]));
  return {
    match(method: string, path: string): RouteMatch | 'method-not-allowed' | undefined {
      let pathMatched = false;
      for (const { route, regex } of compiled) {
        const match = regex.exec(path);
        if (match === null) continue;
        pathMatched = true;
        if (route.method === method) return { route, pathParameters: { ...match.groups } };
      }
      return pathMatched ? 'method-not-allowed' : undefined;
    },
    byResource(method: string, resource: string): AnyRoute | undefined {
      return byResource.get(`${method} ${resource}`);
    },
  };
}

/**
 * Tenant isolation first, then the role: a credential of another tenant learns nothing, not
 * even whether the route exists for that tenant (404, never 403).
 */
export function authorize(route: AnyRoute, actor: Actor, pathParameters: Record<string, string>): void {
  const tenant = pathParameters.tenant;
  if (tenant !== undefined && actor.tenantId !== null && tenant !== actor.tenantId) throw notFound(`tenant ${tenant}`);
  if (!route.roles.includes(actor.role)) {
    throw new ExumError('forbidden', `the ${actor.role} role may not ${route.method} ${route.path}`, [
      { field: 'Authorization', rule: 'role', message: `allowed roles: ${route.roles.join(', ')}` },
    ]);
  }
}

function decodePathParameters(raw: Record<string, string>): Record<string, string> {
  try {
    return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, decodeURIComponent(value)]));
  } catch {
    // Not lost: the caller gets a 400 naming it.
    throw new ExumError('validation-failed', 'the path holds malformed percent-encoding', [
      { field: 'path', rule: 'percent-encoding', message: 'malformed %XX' },
    ]);
  }
}

/** The API's deps carry the Idempotency-Key runner (functions/wiring/deps.ts); the resolve function's have none (nor creating routes). */
const idempotencyOf = (deps: unknown): IdempotentRunner | undefined => (deps as { idempotency?: IdempotentRunner } | null)?.idempotency;

export function createDispatcher<D>(routes: readonly Route<unknown, unknown, unknown, D>[], deps: D) {
  const matcher = createRouteMatcher(routes);
  const idempotency = idempotencyOf(deps);
  return async function dispatch(event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> {
    const route = matcher.byResource(event.httpMethod, event.resource) as Route<unknown, unknown, unknown, D> | undefined;
    if (route === undefined) throw new ExumError('route-not-found', `no route ${event.httpMethod} ${event.resource}`);
    const actor = actorOf(event);
    // Decoded before the tenant check: malformed percent-encoding is a 400, not an exception there.
    const pathParameters = decodePathParameters((event.pathParameters ?? {}) as Record<string, string>);
    authorize(route, actor, pathParameters);

    const params = parseInput(route.params, pathParameters, 'path');
    const query = parseInput(route.query, event.queryStringParameters ?? {}, 'query');
    // The body's fields are named from its root: `target`, not `body.target`.
    const body = route.body === undefined ? undefined : parseInput(route.body, parseJsonBody(event, route.maxBodyBytes));
    const method = event.httpMethod as Method;
    const isWrite = method !== 'GET';
    const write = { dryRun: isWrite && (query as { dryRun?: boolean }).dryRun === true, ifMatch: isWrite ? parseIfMatch(event) : null };
    // A GET answered 200 with an ETag the caller already holds (If-None-Match) becomes 304 with no body.
    const answer = async () => notModifiedIfMatched(event, toProxyResult(await route.handle({ actor, params, query, body, write }, deps)));
    // After the request was found valid: a refused request remembers nothing. A dry run changes nothing to repeat.
    const key = createsSomething(route) && !write.dryRun ? idempotencyKeyOf(event) : undefined;
    if (key === undefined || idempotency === undefined) return answer();
    const { remembered } = route;
    return idempotency(
      key,
      actor,
      event,
      context,
      answer,
      remembered === undefined ? undefined : (result) => ({ ...result, body: JSON.stringify(remembered(JSON.parse(result.body))) }),
    );
  };
}
