// The service's one error type. Every failure a caller can see is an ExumError with a
// stable `code`, answered with that code's HTTP status (statusOf; lib/api/problem.ts renders
// the problem body). Routing rejections are not errors: they are answers (see lib/routing).
import * as z from 'zod';

export type ErrorCode =
  | 'validation-failed'
  | 'malformed-json'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'route-not-found'
  | 'method-not-allowed'
  | 'duplicate'
  | 'conflict'
  | 'precondition-failed'
  | 'concurrent-modification'
  | 'request-in-progress'
  | 'unprocessable'
  | 'store-unavailable'
  | 'internal';

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
  /** The same Idempotency-Key while its first request is still being answered (with Retry-After). */
  'request-in-progress': 409,
  'precondition-failed': 412,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  /** Well-formed, but not acceptable as sent: an Idempotency-Key reused for another request. */
  unprocessable: 422,
  internal: 500,
  'store-unavailable': 503,
};

/** The HTTP status a code is answered with: below 500 the request was at fault, from 500 the service. */
export const statusOf = (code: ErrorCode): number => STATUS[code];

/** One thing wrong with a request: the field at fault (dotted path) and the rule it broke. */
export const FieldIssueSchema = z.object({ field: z.string(), rule: z.string(), message: z.string() });
export type FieldIssue = z.infer<typeof FieldIssueSchema>;

export class ExumError extends Error {
  override readonly name = 'ExumError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues: readonly FieldIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const invalid = (field: string, rule: string, message: string): ExumError =>
  new ExumError('validation-failed', message, [{ field, rule, message }]);

/** A write that the current state of other records forbids (domain reference, section 4). */
export const refused = (field: string, rule: string, message: string): ExumError =>
  new ExumError('conflict', message, [{ field, rule, message }]);

/** The rule is the issue's own member: its message does not repeat it (readers print `message (rule)`). */
export const duplicate = (field: string, value: string, rule: string): ExumError =>
  new ExumError('duplicate', `${field} ${value} is already in use`, [{ field, rule, message: `${value} is already in use` }]);

export const notFound = (what: string): ExumError => new ExumError('not-found', `${what} not found`);

export const preconditionFailed = (current: number): ExumError =>
  new ExumError('precondition-failed', `If-Match does not match the current version (${current}); read the item again and retry`, [
    { field: 'If-Match', rule: 'current-version', message: `current version is ${current}` },
  ]);

export const storeUnavailable = (cause: unknown): ExumError =>
  new ExumError('store-unavailable', 'The configuration store is unavailable', [], { cause });

// zod's issue codes, as the rule names our field issues use.
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

/**
 * zod issues as field issues: the dotted path of the field under `prefix` and the rule it broke.
 * An issue about the value as a whole names `prefix`, or `body` when there is none.
 */
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

/** `value` as `schema` parses it, or the 400 (validation-failed) naming each field at fault and the rule it broke. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = issuesFromZod(parsed.error, prefix);
  throw new ExumError('validation-failed', issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '), issues);
}
