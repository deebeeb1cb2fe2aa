// The API Gateway REQUEST authorizer: the same credential check as the local server. The
// answer allows every route of the stage (results are cached per token across routes); the
// route's roles and tenant isolation are enforced by the handlers, which read the context.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createLogger, loggedError } from '../logging.js';
import type { ExumStore } from '../store/exum-store.js';
import { authenticate } from './authenticate.js';
import { authorizerContextOf } from './authorizer-context.js';

/** Every method and resource of the stage the request came through (arn:...:apiId/stage/*). */
function stageWildcard(methodArn: string): string {
  const [api, stage] = methodArn.split('/');
  return `${api}/${stage}/*`;
}

export function createAuthorizer(store: ExumStore, logger: Logger = createLogger('exum-router-authorizer', 'WARN')) {
  return async function authorize(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
    const header = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
    let actor;
    try {
      actor = await authenticate(store, header);
    } catch (error) {
      // API Gateway answers 500 for any other error; the log says which request and why.
      logger.error('authorization failed', {
        method: event.httpMethod,
        path: event.path,
        requestId: event.requestContext?.requestId,
        ...loggedError(error),
      });
      throw error;
    }
    // API Gateway turns exactly this error message into a 401.
    if (actor === undefined) throw new Error('Unauthorized');
    return {
      principalId: actor.credentialId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageWildcard(event.methodArn) }],
      },
      context: authorizerContextOf(actor),
    };
  };
}
