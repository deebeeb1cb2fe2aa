// What a route is: method, path, who may call it, the schemas of its input, and the use case it
// calls. The route table is the single source for dispatch, the local server, API Gateway
// resources (CDK), the authorization matrix tests and the OpenAPI document.
import * as z from 'zod';
import type { Actor, Role } from '../domain/credential.js';
import type { MigrationDeps } from '../migrations/migrations.js';
import type { WriteOptions, WriteOutcome } from '../management/write-context.js';
import type { EventStore } from '../store/event-store.js';
import type { RoutingDeps } from '../routing/resolve-call.js';
import type { ApiResult } from './http.js';
import type { IdempotentRunner } from './idempotency-key.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What route handlers may use: the stores, the clock, and the hot path's configuration cache. */
export type ApiDeps = MigrationDeps &
  RoutingDeps & {
    events: EventStore;
    /** Carries out a creating POST once per Idempotency-Key (lib/api/idempotency.ts); none: the header is not honoured. */
    idempotency?: IdempotentRunner;
  };

export interface RouteInput<P, Q, B> {
  actor: Actor;
  params: P;
  query: Q;
  body: B;
  /** dryRun from the query string and If-Match from the headers, for writes. */
  write: WriteOptions;
}

export interface Route<P = unknown, Q = unknown, B = unknown, D = ApiDeps> {
  method: Method;
  /** API Gateway resource path, e.g. /v1/tenants/{tenant}/users/{sipUri}. */
  path: string;
  summary: string;
  roles: readonly Role[];
  params: z.ZodType<P>;
  query: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** For documentation: the shape of a successful answer. */
  response?: z.ZodType;
  successStatus: number;
  /** Bodies above this are refused before parsing (default MAX_BODY_BYTES). */
  maxBodyBytes?: number;
  /**
   * Whether the route creates something, and so honours an Idempotency-Key (lib/api/idempotency.ts).
   * Default: a POST that answers 201 or 202 (createsSomething).
   */
  creates?: boolean;
  /**
   * What an Idempotency-Key keeps of this route's answer, when not all of it may be kept: a
   * credential's token is shown once and stored only hashed, so an answer given again leaves it out.
   */
  remembered?: (body: unknown) => unknown;
  /** For documentation: when the route may also answer 202 (accepted, carried out in the background, Location to follow), what that means. */
  accepted?: string;
  handle: (input: RouteInput<P, Q, B>, deps: D) => Promise<ApiResult>;
}

/** Whether a route honours Idempotency-Key: it says so, or it is a POST answering 201 or 202. */
export const createsSomething = (route: Pick<AnyRoute, 'method' | 'successStatus' | 'creates'>): boolean =>
  route.creates ?? (route.method === 'POST' && (route.successStatus === 201 || route.successStatus === 202));

export const route = <P, Q, B, D = ApiDeps>(definition: Route<P, Q, B, D>): Route<unknown, unknown, unknown, D> =>
  definition as Route<unknown, unknown, unknown, D>;

/** A route whatever its handler needs: what matching, documentation and tests see. */
export type AnyRoute = Route<unknown, unknown, unknown, never>;

/**
 * A route anyone may call with no credential: API Gateway puts no authorizer in front of it and the
 * local server asks for no token (a credential sent anyway is not looked at). Only the health checks
 * are public (lib/api/health-routes.ts). `access: 'public'` is the marker to grep for, and
 * test/integration/role-matrix.test.ts lists the public routes, so none becomes public by accident.
 * No path parameters, no query, no body, no caller: it answers the same to everyone.
 */
export interface PublicRoute<D = never> {
  /** HEAD is answered too, as GET without the body. */
  method: 'GET';
  path: string;
  summary: string;
  access: 'public';
  /** For documentation: the shape of a successful answer. */
  response: z.ZodType;
  handle: (deps: D) => Promise<ApiResult>;
}

/** Roles, as the domain reference splits them (section 6). Operators can act in every tenant. */
export const READERS: readonly Role[] = ['operator', 'server-admin', 'user-admin', 'reader'];
export const SERVER_ADMINS: readonly Role[] = ['operator', 'server-admin'];
export const USER_ADMINS: readonly Role[] = ['operator', 'user-admin'];
export const OPERATORS: readonly Role[] = ['operator'];
export const PROVIDERS: readonly Role[] = ['provider'];

/** The answer to a write: 201/200 with the record and its ETag, 204 for a delete, 200 with the plan for a dry run. */
export function writeResult<T>(outcome: WriteOutcome<T>, status: number, present: (record: T) => unknown = (record) => record): ApiResult {
  if (outcome.dryRun) return { status: 200, body: { dryRun: true, changes: outcome.changes, warnings: outcome.warnings } };
  if (outcome.record === null) return { status: 204 };
  const body = present(outcome.record) as Record<string, unknown>;
  const version = (outcome.record as { version?: number }).version;
  return {
    status,
    body: outcome.warnings.length > 0 ? { ...body, warnings: outcome.warnings } : body,
    ...(version === undefined ? {} : { version }),
    ...(outcome.warnings.length > 0 ? { headers: { Warning: `299 exum-router "${outcome.warnings.join('; ').replace(/"/g, "'")}"` } } : {}),
  };
}

export const itemResult = (record: unknown, version: number): ApiResult => ({ status: 200, body: record, version });
