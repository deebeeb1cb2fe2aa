// Typed factories for the API Gateway events the Lambdas receive.
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { Actor } from '../../lib/domain/credential.js';
import { authorizerContextOf } from '../../lib/auth/authorizer-context.js';

/** No authorizer stands before the health checks' methods: their events carry no caller. */
const authorizer = (actor: Actor | null) => (actor === null ? null : authorizerContextOf(actor));

export function proxyEvent(parts: {
  method: string;
  resource: string;
  path: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** The caller the authorizer established; none for a method without an authorizer (the health checks). */
  actor: Actor | null;
}): APIGatewayProxyEvent {
  return {
    resource: parts.resource,
    path: parts.path,
    httpMethod: parts.method,
    headers: parts.body === undefined ? {} : { 'Content-Type': 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: parts.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: parts.pathParameters ?? null,
    stageVariables: null,
    body: parts.body === undefined ? null : JSON.stringify(parts.body),
    isBase64Encoded: false,
    // The handlers read the authorizer context only; the rest of API Gateway's request context would be noise.
    // eslint-disable-next-line no-restricted-syntax -- a partial request context, on purpose
    requestContext: { authorizer: authorizer(parts.actor) } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

// eslint-disable-next-line no-restricted-syntax -- the handlers read these three members of Lambda's context only
export const lambdaContext = { awsRequestId: 'test', functionName: 'test', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

export const operator: Actor = { credentialId: 'cred_test', role: 'operator', tenantId: null, providerId: null };
