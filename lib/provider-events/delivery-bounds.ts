// Every retry and time bound of a provider event's journey, in the order the event meets them.
// The numbers set in code are the constants below (the CDK stack and the local stream driver
// import them); the few set elsewhere are named with their file.
//
//  1. The stream. A write to the table becomes a DynamoDB stream record, kept 24 h (fixed by
//     DynamoDB Streams, not a setting). The stream processor reads it, works out the events it
//     produces (events-for-change.ts) and delivers them (deliver-or-dead-letter.ts).
//  2. The event source mapping (AWS; cdk/stateless-stack.ts applies STREAM_EVENT_SOURCE): batches
//     of up to 100 records, gathered for up to 1 s; one batch per shard at a time (a user's
//     records stay in order); a failed record is retried from the first failure
//     (reportBatchItemFailures), the batch halved on an error (bisectBatchOnError), with AWS's own
//     backoff, at most 10 times (retryAttempts) and while the record is under 24 h old
//     (maxRecordAge). A record given up on goes, as metadata only, to the StreamFailures queue
//     (created in cdk/stateful-stack.ts, kept 14 days; an alarm fires on it).
//     Locally, local/stream-driver.ts plays the mapping: the same 10 retries, after waits of
//     LOCAL_STREAM_RETRY_BACKOFF_MS; batches of up to 1000 records (the Streams API's most),
//     no batching window, no bisection, and a record given up on is only logged.
//  3. The Lambda (cdk/stateless-stack.ts applies STREAM_PROCESSOR_TIMEOUT_SECONDS): 2 minutes an
//     invocation; one cut off fails its whole batch, which comes back (step 2). Within it, 16
//     records at a time (RECORD_CONCURRENCY, lib/stream/process-stream.ts), a subject's records
//     one after another. Locally nothing cuts a batch off (the driver's batchTimeoutMs, 60 s, is
//     only what the handler is told remains).
//  4. The endpoint (provider-endpoints.ts): the tenant's configuration comes through the config
//     cache (5 s, DEFAULT_CONFIG_CACHE_MS in functions/wiring/routing-deps.ts, CONFIG_CACHE_MS in
//     the environment), the signing secret from Secrets Manager, cached 5 minutes
//     (signing-secrets.ts): an edited endpoint or a rotated secret is used within those. A
//     provider with no endpoint gets the event dead-lettered at once, after no attempt.
//  5. One attempt (signed-post.ts): a POST with a DELIVERY_TIMEOUT_MS (5 s) timeout, resolving
//     the endpoint's name included, signed at the time of the attempt (a retry has a fresh
//     webhook-timestamp and the same webhook-id). 2xx is delivered; a timeout, a network error
//     (a name that does not resolve too), 408, 429 or 5xx is retryable; any other status is
//     permanent and dead-letters the event at once, as does an endpoint the rules refuse
//     (endpoint-guard.ts: its URL, or an address its name resolves to), before anything is sent.
//  6. Retries (deliver-or-dead-letter.ts): each failed attempt is counted in the table; at
//     MAX_ATTEMPTS (8) failures the event is dead-lettered. Before that, it is tried again in
//     the same invocation after each wait of RETRY_BACKOFF_MS (200 ms, then 800 ms): 3 attempts,
//     at most about 16 s, per invocation; then its record fails and the stream brings it back
//     (step 2). So the 8th attempt comes in the 3rd invocation, well within the mapping's 10
//     retries: an event a provider keeps failing is dead-lettered here, visible in the API,
//     rather than given up on by the mapping.
//  7. The table on the way (lib/store/event-store.ts, lib/store/migration-store.ts): counting
//     attempts, dead letters, progress on the migration and settled markers are DynamoDB calls
//     of at most 3 attempts of 2 s each (DEFAULT_MAX_ATTEMPTS and DEFAULT_REQUEST_TIMEOUT_MS in
//     lib/store/client.ts); a call that fails fails the record, which comes back (step 2). The
//     bulk reads and writes (settled markers, audit records) also resend what DynamoDB left
//     unprocessed until nothing is left (writes after waits growing to 1 s, reads at once), with
//     no count of their own: the Lambda's timeout bounds them.
//  8. Afterwards: an event delivered or dead-lettered is marked settled, so a redelivered record
//     does not send it again (an event in flight at a crash is sent again, under the same id).
//     Dead letters, attempt counts and settled markers expire after 90 days
//     (DEAD_LETTER_RETENTION_SECONDS in lib/store/event-store.ts).
//  9. A dead letter replayed by a person (lib/dead-letters/) takes steps 1 to 8 again from the
//     change that queued the replay, with attempts and a settled marker of its own: MAX_ATTEMPTS
//     more failures at most before it is dead-lettered again.

/** The timeout of one delivery attempt, the HTTP request to the provider's endpoint. */
export const DELIVERY_TIMEOUT_MS = 5_000;

/** Waits between attempts within one invocation; after the last, the record fails and the stream retries it. */
export const RETRY_BACKOFF_MS: readonly number[] = [200, 800];

/** Failed attempts across all deliveries of one event before it is dead-lettered. */
export const MAX_ATTEMPTS = 8;

/** The stream processor Lambda's timeout. */
export const STREAM_PROCESSOR_TIMEOUT_SECONDS = 120;

/** The AWS event source mapping from the table's stream to the stream processor. */
export const STREAM_EVENT_SOURCE = {
  batchSize: 100,
  maxBatchingWindowSeconds: 1,
  /** One batch per shard at a time: records of one user stay in order. */
  parallelizationFactor: 1,
  bisectBatchOnError: true,
  /** Retries of a failing record before it is given up on (the local stream driver's too). */
  retryAttempts: 10,
  maxRecordAgeHours: 24,
} as const;

/** The local stream driver's waits before retrying a failed record, growing (Lambda's own backoff is not a setting). */
export const LOCAL_STREAM_RETRY_BACKOFF_MS: readonly number[] = [100, 400, 1_000, 2_000, 5_000];
