// The Idempotency-Key header (issue 15, item 4): its name, its format, how long an answer is
// remembered, and the runner that carries a request out once per key. Apart from
// idempotency.ts, which brings Powertools: the resolve function's bundle has none of it (its
// routes create nothing, its deps have no runner).
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Actor } from '../domain/credential.js';
import { invalid } from '../errors.js';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** How long an answer is remembered: the same key and request within it answer it again. */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;
/** The partition of the table that holds the API's idempotency records. */
export const IDEMPOTENCY_PARTITION = 'IDEMPOTENCY#api';
/** Sent with an answer given again, so a client (or a person reading a log) can tell. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** Printable ASCII without spaces, 1 to 255 characters: a UUID, a ULID, anything a client generates. */
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

function headerOf(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** The request's Idempotency-Key, checked; undefined when none was sent. */
export function idempotencyKeyOf(event: APIGatewayProxyEvent): string | undefined {
  const key = headerOf(event, IDEMPOTENCY_HEADER);
  if (key === undefined) return undefined;
  if (!KEY_FORMAT.test(key)) {
    throw invalid(IDEMPOTENCY_HEADER, 'idempotency-key-format', 'Idempotency-Key must be 1 to 255 printable ASCII characters, no spaces');
  }
  return key;
}

/**
 * Carries `answer` out once per credential and key (lib/api/idempotency.ts): the same request
 * again gets the first answer; the key with another request, or while the first runs, is refused.
 */
export type IdempotentRunner = (
  key: string,
  actor: Actor,
  event: APIGatewayProxyEvent,
  context: Context | undefined,
  answer: () => Promise<APIGatewayProxyResult>,
  /** What is kept of the answer to give again (default: all of it); the first caller gets it whole. */
  remembered?: (result: APIGatewayProxyResult) => APIGatewayProxyResult,
) => Promise<APIGatewayProxyResult>;
