// The one place where error codes become HTTP statuses and application/problem+json bodies
// (RFC 9457). Below 500 the caller sees what was wrong and which field; at 500 and above the
// caller sees a generic text and the log gets the rest.
import type * as z from 'zod';
import { ExumError, type ErrorCode, type FieldIssue } from '../errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const STATUS: Record<ErrorCode, number> = {
  'validation-failed': 400,
  'malformed-json': 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  'route-not-found': 404,
  'method-not-allowed': 405,
  duplicate: 409,
  conflict: 409,
  'concurrent-modification': 409,
  'precondition-failed': 412,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  internal: 500,
  'store-unavailable': 503,
};

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
  'precondition-failed': 'The item changed since you read it',
  'payload-too-large': 'The body is too large',
  'unsupported-media-type': 'The body must be application/json',
  internal: 'Internal error',
  'store-unavailable': 'Temporarily unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors: FieldIssue[];
}

export const statusOf = (code: ErrorCode): number => STATUS[code];

/** Seconds a client should wait before retrying when the store is unavailable. */
const RETRY_AFTER_SECONDS = '1';

/** The whole answer for an error: status, problem+json body, and the headers its status calls for. */
export function problemResponse(error: ExumError, instance: string): { statusCode: number; headers: Record<string, string>; body: string } {
  const problem = problemOf(error);
  return {
    statusCode: problem.status,
    headers: {
      'Content-Type': PROBLEM_CONTENT_TYPE,
      ...(problem.status === 503 ? { 'Retry-After': RETRY_AFTER_SECONDS } : {}),
      ...(problem.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="exum-router"' } : {}),
    },
    body: JSON.stringify({ ...problem, instance }),
  };
}

export function problemOf(error: ExumError): Problem {
  const status = STATUS[error.code];
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

const ZOD_RULES: Record<string, string> = {
  invalid_type: 'type',
  too_big: 'max',
  too_small: 'min',
  invalid_format: 'format',
  invalid_value: 'allowed-values',
  unrecognized_keys: 'unknown-field',
  invalid_union: 'one-of',
  not_multiple_of: 'multiple-of',
};

/** zod issues as field issues: the dotted path of the field and the rule it broke. */
export function issuesFromZod(error: z.ZodError, prefix?: string): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const base = [prefix, ...issue.path.map(String)].filter((part) => part !== undefined && part !== '').join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: base === '' ? key : `${base}.${key}`,
        rule: 'unknown-field',
        message: `unknown field "${key}"`,
      }));
    }
    const rule =
      issue.code === 'custom'
        ? String((issue.params as { rule?: string } | undefined)?.rule ?? 'custom')
        : (ZOD_RULES[issue.code] ?? issue.code);
    return [{ field: base === '' ? (prefix ?? 'body') : base, rule, message: issue.message }];
  });
}

export const validationError = (error: z.ZodError, prefix?: string): ExumError => {
  const issues = issuesFromZod(error, prefix);
  return new ExumError('validation-failed', issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '), issues);
};
