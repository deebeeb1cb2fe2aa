// The service's one error type. Every failure a caller can see is an ExumError with a
// stable `code`; lib/api/problem.ts is the one place that maps codes to HTTP statuses.
// Routing rejections are not errors: they are answers (see lib/routing).

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
  | 'store-unavailable'
  | 'internal';

/** One thing wrong with a request: the field at fault (dotted path) and the rule it broke. */
export interface FieldIssue {
  field: string;
  rule: string;
  message: string;
}

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

export const duplicate = (field: string, value: string, rule: string): ExumError =>
  new ExumError('duplicate', `${field} ${value} is already in use`, [{ field, rule, message: `${value} is already in use (${rule})` }]);

export const notFound = (what: string): ExumError => new ExumError('not-found', `${what} not found`);

export const preconditionFailed = (current: number): ExumError =>
  new ExumError('precondition-failed', `If-Match does not match the current version (${current}); read the item again and retry`, [
    { field: 'If-Match', rule: 'current-version', message: `current version is ${current}` },
  ]);

export const storeUnavailable = (cause: unknown): ExumError =>
  new ExumError('store-unavailable', 'The configuration store is unavailable', [], { cause });
