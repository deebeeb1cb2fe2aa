// How the store's client retries: the SDK's standard mode, with one change that lets the service
// recover as soon as DynamoDB answers again after an outage (docs/reliability.md, "Recovery after
// a store restart").
//
// The standard mode shares a quota of retries between a client's requests: 500 tokens; a retry
// takes 14 (5 after throttling); a request that succeeds gives back what its retry took, or 1
// when it needed none; with too few tokens an error is not retried but handed to the caller.
// The quota is there so that a client does not pile retries on a store that answers badly.
//
// A store that is down answers nothing: every attempt is refused at once. Under the standard rule
// those refusals emptied the quota within half a second of DynamoDB Local's kill, and it refills
// one token per successful request only: for seconds after DynamoDB answered again (on a busy
// machine, tens of seconds) a request whose attempt timed out, as the first ones after a restart
// may, was answered 503 instead of being retried. So: an attempt that never reached the store
// (the connection refused, the host unreachable, the name unresolved) is retried as before, within
// the same number of attempts, but takes nothing from the quota. It put no load on the store, and
// the quota is intact when the store comes back. Everything else is the SDK's standard mode.
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

type RetryStrategyV2 = Extract<NonNullable<DynamoDBClientConfig['retryStrategy']>, { acquireInitialRetryToken: unknown }>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;
type RetryErrorInfo = Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1];

/** The SDK's standard mode's numbers (@smithy/core's retry constants). */
export const RETRY_QUOTA = 500;
export const RETRY_COST = 14;
export const THROTTLING_RETRY_COST = 5;
const FIRST_TRY_REFUND = 1;
const DELAY_BASE_MS = 50;
const THROTTLING_DELAY_BASE_MS = 1_000;
const MAX_DELAY_MS = 20_000;
/** What a Retry-After hint may add to the computed delay. */
const MAX_HINT_EXTRA_MS = 5_000;

/** Errors of an attempt that never reached the store: nothing was sent, nothing was loaded. */
const UNREACHED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function neverReachedTheStore(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  return typeof code === 'string' && UNREACHED.has(code);
}

class StoreRetryToken implements RetryToken {
  constructor(
    private readonly count: number,
    private readonly delayMs: number,
    /** What this retry took from the quota (undefined: the first attempt). */
    private readonly cost: number | undefined,
  ) {}
  getRetryCount(): number {
    return this.count;
  }
  getRetryDelay(): number {
    return this.delayMs;
  }
  getRetryCost(): number | undefined {
    return this.cost;
  }
}

export interface StoreRetryStrategyOptions {
  maxAttempts: number;
  /** A number in [0, 1) for the backoff's jitter (tests fix it). */
  random?: () => number;
}

export class StoreRetryStrategy implements RetryStrategyV2 {
  private capacity = RETRY_QUOTA;
  private readonly random: () => number;

  constructor(private readonly options: StoreRetryStrategyOptions) {
    this.random = options.random ?? Math.random;
  }

  /** Tokens left in the quota (for tests and the docs' measurements). */
  get quota(): number {
    return this.capacity;
  }

  acquireInitialRetryToken(): Promise<RetryToken> {
    return Promise.resolve(new StoreRetryToken(0, 0, undefined));
  }

  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const throttled = errorInfo.errorType === 'THROTTLING';
    const retryable = throttled || errorInfo.errorType === 'TRANSIENT';
    const count = token.getRetryCount();
    const cost = neverReachedTheStore(errorInfo.error) ? 0 : throttled ? THROTTLING_RETRY_COST : RETRY_COST;
    if (!retryable || count + 1 >= this.options.maxAttempts || this.capacity < cost)
      return Promise.reject(new Error('No retry token available'));
    this.capacity -= cost;
    // Exponential backoff with full jitter, as the SDK computes it; a Retry-After hint may lengthen it.
    let delayMs = Math.floor(this.random() * Math.min((throttled ? THROTTLING_DELAY_BASE_MS : DELAY_BASE_MS) * 2 ** count, MAX_DELAY_MS));
    if (errorInfo.retryAfterHint instanceof Date)
      delayMs = Math.max(delayMs, Math.min(errorInfo.retryAfterHint.getTime() - Date.now(), delayMs + MAX_HINT_EXTRA_MS));
    return Promise.resolve(new StoreRetryToken(count + 1, delayMs, cost));
  }

  recordSuccess(token: RetryToken): void {
    const cost = (token as StoreRetryToken).getRetryCost();
    this.capacity = Math.min(RETRY_QUOTA, this.capacity + (cost ?? FIRST_TRY_REFUND));
  }
}
