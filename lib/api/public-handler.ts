// The Lambda handler of the public routes (PublicRoute in lib/api/route.ts: the health checks). No
// authorizer stands before it, so the event holds no caller, and nothing of the request is read but
// its method and resource: headers (a credential included) change nothing. Every answer, a 503
// included, says Cache-Control: no-store, so no cache between a checker and the service answers
// in its place.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ExumError, statusOf } from '../errors.js';
import { loggedError } from '../logging.js';
import { toProxyResult } from './http.js';
import { problemResponse } from './problem.js';
import type { PublicRoute } from './route.js';

export function createPublicHandler<D>(routes: readonly PublicRoute<D>[], deps: D, logger: Logger) {
  const answer = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const route = routes.find((candidate) => candidate.path === event.resource);
    if (route === undefined) throw new ExumError('route-not-found', `no route ${event.httpMethod} ${event.resource}`);
    // HEAD gets GET's answer: the HTTP layer (API Gateway, Node's server) sends it without the body.
    if (event.httpMethod !== 'GET' && event.httpMethod !== 'HEAD') {
      throw new ExumError('method-not-allowed', `${event.httpMethod} is not allowed on ${route.path}`);
    }
    return toProxyResult(await route.handle(deps));
  };

  return async function publicHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    let result: APIGatewayProxyResult;
    try {
      result = await answer(event);
    } catch (error) {
      const failure = error instanceof ExumError ? error : new ExumError('internal', 'unhandled error', [], { cause: error });
      if (statusOf(failure.code) >= 500) {
        const where = { method: event.httpMethod, path: event.path, requestId: event.requestContext?.requestId };
        logger.error('request failed', { ...where, ...loggedError(failure) });
      }
      result = problemResponse(failure, event.path);
    }
    return { ...result, headers: { ...result.headers, 'Cache-Control': 'no-store' } };
  };
}
