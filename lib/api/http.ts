// The HTTP edge of the API, independent of where it runs: an API Gateway (REST, proxy) event
// in, a result out. Bodies, query strings, path parameters and headers are parsed here with zod
// so route handlers only ever see valid, normalised input.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { actorFromAuthorizerContext } from '../auth/authorizer-context.js';
import type { Actor } from '../domain/credential.js';
import { ExumError, invalid } from '../errors.js';

/** Bodies above this are refused before parsing (API Gateway's own limit is 10 MB). */
export const MAX_BODY_BYTES = 64 * 1024;

export interface ApiResult {
  status: number;
  body?: unknown;
  /** The item's version, sent as a strong ETag. */
  version?: number;
  headers?: Record<string, string>;
}

export function toProxyResult(result: ApiResult): APIGatewayProxyResult {
  const headers: Record<string, string> = { ...result.headers };
  if (result.version !== undefined) headers.ETag = `"${result.version}"`;
  if (result.body === undefined) return { statusCode: result.status, headers, body: '' };
  return {
    statusCode: result.status,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(result.body),
  };
}

/** The caller, as the authorizer established it in the request context. */
export function actorOf(event: APIGatewayProxyEvent): Actor {
  const actor = actorFromAuthorizerContext(event.requestContext?.authorizer ?? {});
  if (actor === undefined) throw new ExumError('unauthenticated', 'a valid bearer credential is required');
  return actor;
}

const header = (event: APIGatewayProxyEvent, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
};

/** A UTF-16 surrogate without its pair: JSON may escape one (\ud800), UTF-8 and DynamoDB cannot hold it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const malformed = (rule: string, message: string) => new ExumError('malformed-json', message, [{ field: 'body', rule, message }]);

/** The body's text; bytes that are not UTF-8 (a base64 body, as API Gateway sends binary) are refused. */
function bodyText(event: APIGatewayProxyEvent): string {
  const raw = event.body ?? '';
  if (!event.isBase64Encoded) return raw;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(raw, 'base64'));
  } catch {
    // Not lost: the caller gets a 400 naming it.
    throw malformed('utf-8', 'the body is not valid UTF-8');
  }
}

/** JSON body: content type checked, size bounded, parse errors named. (middy's JSON parser answers 415 to malformed JSON.) */
export function parseJsonBody(event: APIGatewayProxyEvent, maxBytes = MAX_BODY_BYTES): unknown {
  const text = bodyText(event);
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new ExumError('payload-too-large', `the body must be at most ${maxBytes} bytes`, [
      { field: 'body', rule: 'max-size', message: `at most ${maxBytes} bytes` },
    ]);
  }
  const contentType = header(event, 'content-type') ?? '';
  if (!/^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
    throw new ExumError('unsupported-media-type', 'the body must be sent as Content-Type: application/json', [
      { field: 'Content-Type', rule: 'json', message: 'must be application/json' },
    ]);
  }
  if (text.trim() === '')
    throw new ExumError('malformed-json', 'the body is empty; a JSON object is required', [
      { field: 'body', rule: 'json', message: 'empty body' },
    ]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : 'invalid JSON';
    throw new ExumError('malformed-json', `the body is not valid JSON: ${message}`, [{ field: 'body', rule: 'json', message }]);
  }
  if (holdsLoneSurrogate(parsed))
    throw malformed('unicode', 'the body holds a lone UTF-16 surrogate (an escaped \\uD800-\\uDFFF without its pair)');
  return parsed;
}

/** Whether any string or name in a parsed body is not well-formed UTF-16 (JSON.parse lets `"\ud800"` through). */
function holdsLoneSurrogate(value: unknown): boolean {
  // A stack, not recursion: a body may nest thousands of levels deep before its schema refuses it.
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (LONE_SURROGATE.test(next)) return true;
    } else if (typeof next === 'object' && next !== null) {
      for (const [name, child] of Object.entries(next)) {
        if (LONE_SURROGATE.test(name)) return true;
        pending.push(child);
      }
    }
  }
  return false;
}

/** One entity tag of an If-Match list (RFC 9110, 8.8.3): an optional W/, then a quoted opaque tag. */
const ENTITY_TAG = /\s*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)/y;

/**
 * If-Match as HTTP defines it (RFC 9110, 13.1.1): `*`, or a list of entity tags, answered with the
 * versions those tags name. A well-formed tag that names no version (`"stale-0"`) is kept as
 * matching nothing, so the write is 412, not 400; a weak tag never matches (If-Match compares
 * strongly). Only a value that is no list of entity tags is refused, naming the header.
 */
export function parseIfMatch(event: APIGatewayProxyEvent): readonly number[] | '*' | null {
  const value = header(event, 'if-match');
  if (value === undefined) return null;
  if (value.trim() === '*') return '*';
  const versions: number[] = [];
  let tags = 0;
  ENTITY_TAG.lastIndex = 0;
  while (ENTITY_TAG.lastIndex < value.length) {
    const tag = ENTITY_TAG.exec(value);
    if (tag === null) break;
    tags++;
    // "0": a singleton never written (its defaults), as the gateway settings answer it.
    if (tag[1] === undefined && /^(0|[1-9][0-9]{0,15})$/.test(tag[2]!)) versions.push(Number(tag[2]));
  }
  if (tags === 0 || ENTITY_TAG.lastIndex < value.length) {
    throw invalid('If-Match', 'etag', 'If-Match must be * or entity tags such as "3" (as returned in ETag), separated by commas');
  }
  return versions;
}

/** The opaque tags of an If-None-Match list, W/ dropped (it compares weakly), or '*'; a malformed value: null (ignored). */
function ifNoneMatchTags(value: string): Set<string> | '*' | null {
  if (value.trim() === '*') return '*';
  const tags = new Set<string>();
  ENTITY_TAG.lastIndex = 0;
  while (ENTITY_TAG.lastIndex < value.length) {
    const tag = ENTITY_TAG.exec(value);
    if (tag === null) return null;
    tags.add(tag[2]!);
  }
  return tags.size === 0 ? null : tags;
}

/**
 * A conditional GET (RFC 9110, 13.1.2): when a 200 answer's ETag is among the request's
 * If-None-Match tags (weak comparison) or the list is `*`, the answer becomes 304 Not Modified with
 * no body, keeping the headers a 304 must repeat (ETag, Cache-Control). A malformed If-None-Match is
 * ignored (the full answer), as a cache would do with an unusable validator.
 */
export function notModifiedIfMatched(event: APIGatewayProxyEvent, result: APIGatewayProxyResult): APIGatewayProxyResult {
  const etag = result.headers?.ETag;
  if (event.httpMethod !== 'GET' || result.statusCode !== 200 || typeof etag !== 'string') return result;
  const value = header(event, 'if-none-match');
  if (value === undefined) return result;
  const tags = ifNoneMatchTags(value);
  const opaque = /^(?:W\/)?"(.*)"$/.exec(etag)?.[1];
  if (tags === null || (tags !== '*' && (opaque === undefined || !tags.has(opaque)))) return result;
  const cacheControl = result.headers?.['Cache-Control'];
  return { statusCode: 304, headers: { ETag: etag, ...(cacheControl === undefined ? {} : { 'Cache-Control': cacheControl }) }, body: '' };
}

/** Query-string booleans are the words true and false, nothing else. */
export const queryBoolean = () => z.enum(['true', 'false'], { error: 'must be true or false' }).transform((value) => value === 'true');

export const pageQuery = {
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, { error: 'must be a whole number from 1 to 500' })
    .transform(Number)
    .pipe(z.number().int().min(1, { error: 'must be at least 1' }).max(500, { error: 'must be at most 500' }))
    .default(100),
  cursor: z.string().max(4096).optional(),
};

export const dryRunQuery = z.strictObject({ dryRun: queryBoolean().default(false) });

/** For reads that take no query parameters: any given is refused. */
export const noQuery = z.strictObject({});
