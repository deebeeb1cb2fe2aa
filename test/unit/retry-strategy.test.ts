// The store's retry strategy (lib/store/retry-strategy.ts): the SDK's standard mode, except that
// an attempt that never reached the store takes nothing from the retry quota, so an outage in
// which every connection is refused leaves the quota whole for when the store answers again.
import { describe, expect, it } from 'vitest';
import { RETRY_COST, RETRY_QUOTA, StoreRetryStrategy, THROTTLING_RETRY_COST } from '../../lib/store/retry-strategy.js';

/** An error as the SDK hands it to the strategy (its `cause`, when any, is an Error). */
type StoreError = NonNullable<Parameters<StoreRetryStrategy['refreshRetryTokenForRetry']>[1]['error']>;
const failure = (message: string, fields: object): StoreError => Object.assign(new Error(message), { cause: undefined }, fields);

const refused = failure('connect ECONNREFUSED 127.0.0.1:8000', { code: 'ECONNREFUSED' });
const timedOut = failure('a request has exceeded the configured 2000 ms requestTimeout', { name: 'TimeoutError', code: 'ETIMEDOUT' });
const throttled = failure('rate exceeded', { name: 'ThrottlingException', $metadata: {} });
const invalid = failure('bad key', { name: 'ValidationException', $metadata: { httpStatusCode: 400 } });

const transient = (error: StoreError) => ({ error, errorType: 'TRANSIENT' as const });

/** Runs one request that fails with `errors` in turn while the strategy grants retries; true when it got past them all. */
async function request(strategy: StoreRetryStrategy, errors: StoreError[], succeeds = true): Promise<boolean> {
  let token = await strategy.acquireInitialRetryToken();
  for (const error of errors) {
    try {
      token = await strategy.refreshRetryTokenForRetry(token, error === throttled ? { error, errorType: 'THROTTLING' } : transient(error));
    } catch {
      return false;
    }
  }
  if (succeeds) strategy.recordSuccess(token);
  return true;
}

describe('the store retry strategy', () => {
  it('retries a refused connection without taking from the quota: an outage leaves it whole', async () => {
    const strategy = new StoreRetryStrategy({ maxAttempts: 3 });
    // A store that is down: every attempt of every request refused, thousands of times.
    for (let index = 0; index < 2_000; index++) expect(await request(strategy, [refused, refused], false)).toBe(true);
    expect(strategy.quota).toBe(RETRY_QUOTA);
    // Back, and slow at first: a request whose attempt timed out is retried.
    expect(await request(strategy, [timedOut])).toBe(true);
  });

  it('still counts the attempts of a refused connection', async () => {
    const strategy = new StoreRetryStrategy({ maxAttempts: 3 });
    expect(await request(strategy, [refused, refused])).toBe(true);
    expect(await request(strategy, [refused, refused, refused])).toBe(false);
  });

  it('keeps the standard quota for errors of a store that was reached: timeouts, 5xx, throttling', async () => {
    const strategy = new StoreRetryStrategy({ maxAttempts: 3 });
    const retries = Math.floor(RETRY_QUOTA / RETRY_COST);
    for (let index = 0; index < retries; index++) expect(await request(strategy, [timedOut], false)).toBe(true);
    expect(strategy.quota).toBe(RETRY_QUOTA - retries * RETRY_COST);
    // The quota is spent: the next timeout is handed to the caller (a 503), not retried.
    expect(await request(strategy, [timedOut], false)).toBe(false);
    // A success gives back 1, a retried success what its retry took.
    expect(await request(strategy, [])).toBe(true);
    expect(strategy.quota).toBe(RETRY_QUOTA - retries * RETRY_COST + 1);
    const throttledStrategy = new StoreRetryStrategy({ maxAttempts: 3 });
    expect(await request(throttledStrategy, [throttled], false)).toBe(true);
    expect(throttledStrategy.quota).toBe(RETRY_QUOTA - THROTTLING_RETRY_COST);
    expect(await request(throttledStrategy, [throttled])).toBe(true);
    expect(throttledStrategy.quota).toBe(RETRY_QUOTA - THROTTLING_RETRY_COST);
  });

  it('never retries a client error', async () => {
    const strategy = new StoreRetryStrategy({ maxAttempts: 3 });
    const token = await strategy.acquireInitialRetryToken();
    await expect(strategy.refreshRetryTokenForRetry(token, { error: invalid, errorType: 'CLIENT_ERROR' })).rejects.toThrow();
  });

  it('backs off exponentially with jitter: 50·2^i ms, or 1000·2^i ms after throttling', async () => {
    const strategy = new StoreRetryStrategy({ maxAttempts: 4, random: () => 0.999 });
    let token = await strategy.acquireInitialRetryToken();
    const delays: number[] = [];
    for (let index = 0; index < 3; index++) {
      token = await strategy.refreshRetryTokenForRetry(token, transient(timedOut));
      delays.push(token.getRetryDelay());
    }
    expect(delays).toEqual([49, 99, 199]);
    const throttling = await strategy.refreshRetryTokenForRetry(await strategy.acquireInitialRetryToken(), {
      error: throttled,
      errorType: 'THROTTLING',
    });
    expect(throttling.getRetryDelay()).toBe(999);
  });
});
