// The management API as one Lambda handler (middy): header normalisation, problem answers,
// dispatch over the route table. The local server serves this same handler.
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { ManagementDeps } from '../management/write-context.js';
import { createDispatcher } from './dispatch.js';
import { managementRoutes } from './management-routes.js';
import { problemResponses } from './middleware.js';

export function createManagementHandler(deps: ManagementDeps, logger: Logger) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(injectLambdaContext(logger))
    .use(httpHeaderNormalizer())
    .use(problemResponses(logger))
    .handler(createDispatcher(managementRoutes, deps));
}
