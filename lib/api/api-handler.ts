// An API Lambda handler (middy) over a route table: Lambda context in the logs, header
// normalisation, problem answers, dispatch. The management and resolve functions are two
// instances of it, and the local server serves these same handlers.
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createDispatcher } from './dispatch.js';
import { problemResponses } from './middleware.js';
import type { Route } from './route.js';

export function createApiHandler<D>(routes: readonly Route<unknown, unknown, unknown, D>[], deps: D, logger: Logger) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(injectLambdaContext(logger))
    .use(httpHeaderNormalizer())
    .use(problemResponses(logger))
    .handler(createDispatcher(routes, deps));
}
