// middy middleware for the API: every error becomes an application/problem+json answer.
// Client errors expose their message and fields; server errors never do: the log has them, one
// line per failed request (code, the underlying error's name and message, method, path, request id).
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ExumError, statusOf } from '../errors.js';
import { loggedError } from '../logging.js';
import { problemResponse } from './problem.js';

export function problemResponses(logger: Logger): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const problemResponsesOnError = (request: { event: APIGatewayProxyEvent; error: unknown; response?: APIGatewayProxyResult | null }) => {
    const error =
      request.error instanceof ExumError
        ? request.error
        : (request.error as Error | undefined)?.name === 'TimeoutError'
          ? // middy answers before the function's time runs out; the store is what we wait on.
            new ExumError('store-unavailable', 'timed out waiting for the store', [], { cause: request.error })
          : new ExumError('internal', 'unhandled error', [], { cause: request.error });
    const where = { method: request.event.httpMethod, path: request.event.path, requestId: request.event.requestContext?.requestId };
    if (statusOf(error.code) >= 500) logger.error('request failed', { ...where, ...loggedError(error) });
    else logger.debug('request refused', { ...where, code: error.code, detail: error.message });
    request.response = problemResponse(error, request.event.path);
  };
  return { onError: problemResponsesOnError };
}
