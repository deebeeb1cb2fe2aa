// Safe retries of the POSTs that create something (issue 15, item 4): a request sent with an
// `Idempotency-Key` header is carried out once per key and credential; the same key with the same
// request within IDEMPOTENCY_WINDOW_SECONDS answers the first answer again (status, headers and
// body); the same key with another request is refused (422, Idempotency-Key, idempotency-key-reused);
// the same key while the first is still being answered is 409 with Retry-After.
//
// Powertools idempotency does the bookkeeping, as it already does for provisioning events: its
// records live in our one table under a static partition (EventStore.idempotencyLayer, so only
// lib/store/ talks to DynamoDB), keyed by a hash of [credential, key] and checked against a hash
// of the request (method, path, query, body). Only successful answers are remembered: a refused or
// failed request releases its key, so a retry carries it out again (the use cases' own checks
// answer it: a migration start remembers its request and answers the migration it created).
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Actor } from '../domain/credential.js';
import { ExumError } from '../errors.js';
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_PARTITION,
  IDEMPOTENCY_WINDOW_SECONDS,
  REPLAYED_HEADER,
  type IdempotentRunner,
} from './idempotency-key.js';

/** Where the records are kept: a persistence layer per request (its configuration is per request). */
export type IdempotencyLayerFactory = (partition: string) => BasePersistenceLayer;

interface Payload {
  /** Scoped per credential: one credential's key never answers another's request (nor another tenant's). */
  scope: [string, string];
  request: { method: string; path: string; query: Record<string, string>; body: string };
}

const idempotencyErrorOf = (error: Error): ExumError | undefined => {
  switch (error.name) {
    case 'IdempotencyValidationError':
      return new ExumError('unprocessable', 'this Idempotency-Key was used for another request; use a new key for a new request', [
        {
          field: IDEMPOTENCY_HEADER,
          rule: 'idempotency-key-reused',
          message: `the key was sent with another request (method, path, query or body) in the last ${IDEMPOTENCY_WINDOW_SECONDS / 3600} h`,
        },
      ]);
    case 'IdempotencyAlreadyInProgressError':
    case 'IdempotencyInconsistentStateError':
      return new ExumError('request-in-progress', 'a request with this Idempotency-Key is still being answered; retry after a moment', [
        {
          field: IDEMPOTENCY_HEADER,
          rule: 'idempotency-key-in-progress',
          message: 'the first request with this key has not been answered yet',
        },
      ]);
    case 'IdempotencyPersistenceLayerError':
      return error.cause instanceof ExumError
        ? error.cause
        : new ExumError('store-unavailable', 'the idempotency record could not be kept', [], { cause: error });
    default:
      return undefined;
  }
};

/**
 * Runs `answer` once per credential and Idempotency-Key: the same request again gets the first
 * answer; the key with another request, or while the first runs, is refused. Dry runs and
 * requests without the header are answered as they are.
 */
export const idempotentRunner =
  (layerFactory: IdempotencyLayerFactory): IdempotentRunner =>
  (key, actor, event, context, answer, remembered) =>
    oncePerKey(layerFactory, key, actor, event, context, answer, remembered);

async function oncePerKey(
  layerFactory: IdempotencyLayerFactory,
  key: string,
  actor: Actor,
  event: APIGatewayProxyEvent,
  context: Context | undefined,
  answer: () => Promise<APIGatewayProxyResult>,
  remembered: (result: APIGatewayProxyResult) => APIGatewayProxyResult = (result) => result,
): Promise<APIGatewayProxyResult> {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'scope',
    payloadValidationJmesPath: 'request',
    expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECONDS,
    hashFunction: 'sha256',
    // While the first request may still run (its remaining time), the key is in progress; after, a retry takes over.
    ...(context === undefined ? {} : { lambdaContext: context }),
    // The stored answer is what `answer` returned: an API Gateway result, headers an object of strings.
    responseHook: (response) => {
      const result = response as { headers?: Record<string, string> };
      return { ...result, headers: { ...result.headers, [REPLAYED_HEADER]: 'true' } };
    },
  });
  const payload: Payload = {
    scope: [actor.credentialId, key],
    request: {
      method: event.httpMethod,
      path: event.path,
      query: Object.fromEntries(
        Object.entries(event.queryStringParameters ?? {})
          .filter((entry): entry is [string, string] => entry[1] !== undefined)
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
      body: event.body ?? '',
    },
  };
  // Powertools keeps what the function returns; the first caller gets the whole answer, carried past it.
  let firstAnswer: APIGatewayProxyResult | undefined;
  const once = makeIdempotent(
    // The payload is what Powertools hashes (scope) and checks (request); the answer needs none of it.
    async (request: Payload) => {
      void request;
      firstAnswer = await answer();
      return remembered(firstAnswer);
    },
    {
      persistenceStore: layerFactory(IDEMPOTENCY_PARTITION),
      config,
      keyPrefix: 'api',
    },
  );
  try {
    const kept = await once(payload);
    return firstAnswer ?? kept;
  } catch (error) {
    const translated = error instanceof Error ? idempotencyErrorOf(error) : undefined;
    throw translated ?? error;
  }
}
