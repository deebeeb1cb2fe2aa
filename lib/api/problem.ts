// The one place where errors become application/problem+json bodies (RFC 9457), with the
// status of their code (lib/errors.ts). Below 500 the caller sees what was wrong and which
// field; at 500 and above the caller sees a generic text and the log gets the rest.
import * as z from 'zod';
import { FieldIssueSchema, statusOf, type ErrorCode, type ExumError } from '../errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLE: Record<ErrorCode, string> = {
  'validation-failed': 'The request is invalid',
  'malformed-json': 'The body is not valid JSON',
  unauthenticated: 'A valid bearer credential is required',
  forbidden: "The credential's role does not allow this",
  'not-found': 'Not found',
  'route-not-found': 'No such route',
  'method-not-allowed': 'Method not allowed on this route',
  duplicate: 'Already in use',
  conflict: 'Refused by a configuration rule',
  'concurrent-modification': 'Concurrent modification',
  'request-in-progress': 'The same request is still being answered',
  unprocessable: 'The request cannot be carried out as sent',
  'precondition-failed': 'The item changed since you read it',
  'payload-too-large': 'The body is too large',
  'unsupported-media-type': 'The body must be application/json',
  internal: 'Internal error',
  'store-unavailable': 'Temporarily unavailable',
};

/**
 * The problem+json body, for the type and the OpenAPI document alike. Open objects, as RFC 9457
 * lets a problem carry more members than these. `code` is a string, not an ErrorCode: API
 * Gateway's own refusals (cdk/stateless-stack.ts) answer codes of their own, such as throttled.
 */
export const ProblemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
    errors: z.array(FieldIssueSchema.loose()),
  })
  .meta({ description: 'RFC 9457 problem details; errors name the field at fault and the rule it broke' });

export type Problem = z.infer<typeof ProblemSchema>;

/** Seconds a client should wait before retrying when the store is unavailable. */
const RETRY_AFTER_SECONDS = '1';

/** The whole answer for an error: status, problem+json body, and the headers its status calls for. */
export function problemResponse(error: ExumError, instance: string): { statusCode: number; headers: Record<string, string>; body: string } {
  const problem = problemOf(error);
  return {
    statusCode: problem.status,
    headers: {
      'Content-Type': PROBLEM_CONTENT_TYPE,
      // An error is about this request at this moment: no cache keeps it (a gateway serves its
      // last good answer instead, within stale-if-error: docs/gateways.md, "Caching contract").
      'Cache-Control': 'no-store',
      ...(problem.status === 503 || error.code === 'request-in-progress' ? { 'Retry-After': RETRY_AFTER_SECONDS } : {}),
      ...(problem.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="exum-router"' } : {}),
    },
    body: JSON.stringify({ ...problem, instance }),
  };
}

export function problemOf(error: ExumError): Problem {
  const status = statusOf(error.code);
  const exposed = status < 500;
  return {
    type: `https://exum-router.dev/problems/${error.code}`,
    title: TITLE[error.code],
    status,
    detail: exposed ? error.message : TITLE[error.code],
    code: error.code,
    errors: exposed ? [...error.issues] : [],
  };
}
