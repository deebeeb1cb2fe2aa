// SDK errors become ours here and never escape the store: throttling, timeouts and service
// faults are "store unavailable" (503, retry later); anything else is an internal error.
import { ExumError, storeUnavailable } from '../errors.js';

/** The store's own signal that a read it relied on is no longer current: read again and retry. */
export class StaleReadError extends Error {
  override readonly name = 'StaleReadError';
}

const UNAVAILABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'LimitExceededException',
]);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);
/** A transaction cancelled because an item was throttled: nothing read was wrong, DynamoDB was busy. */
const THROTTLED_CANCELLATIONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded']);

export function isThrottledCancellation(error: unknown): boolean {
  const { name, CancellationReasons } = (error ?? {}) as { name?: string; CancellationReasons?: { Code?: string }[] };
  return (
    name === 'TransactionCanceledException' && (CancellationReasons ?? []).some((reason) => THROTTLED_CANCELLATIONS.has(reason.Code ?? ''))
  );
}

export function translateSdkError(error: unknown): Error {
  if (error instanceof ExumError || error instanceof StaleReadError) return error;
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  if ((name !== undefined && UNAVAILABLE.has(name)) || (code !== undefined && NETWORK.has(code)) || isThrottledCancellation(error)) {
    return storeUnavailable(error);
  }
  if ((error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 503) return storeUnavailable(error);
  return new ExumError('internal', 'unexpected store error', [], { cause: error });
}
