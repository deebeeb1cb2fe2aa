// The local stand-in for Lambda's DynamoDB Streams event source mapping: reads DynamoDB Local's
// real Streams API (shards, iterators, GetRecords), hands batches to the same handler, and
// gives it the same semantics: records of a shard in order, batchItemFailures retried from the
// first failure (with backoff), checkpoints stored in the table so a restart loses nothing.
// Its retry bounds, and how they differ from AWS's, are in lib/provider-events/delivery-bounds.ts.
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { LOCAL_STREAM_RETRY_BACKOFF_MS, STREAM_EVENT_SOURCE } from '../lib/provider-events/delivery-bounds.js';
import type { CheckpointStore } from '../lib/store/checkpoint-store.js';
import { boundedRequestHandler, DEFAULT_MAX_ATTEMPTS } from '../lib/store/client.js';
import { StoreRetryStrategy } from '../lib/store/retry-strategy.js';

export interface StreamDriverOptions {
  dynamoClient: DynamoDBClient;
  endpoint: string;
  tableName: string;
  checkpoints: CheckpointStore;
  handler: (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;
  /** Records per batch (default 1000, the Streams API's most). */
  batchSize?: number;
  /** The invocation time a batch gets, as a Lambda timeout would give it (default 60 s). */
  batchTimeoutMs?: number;
  /** Pauses before retrying a failed record, growing (default LOCAL_STREAM_RETRY_BACKOFF_MS). */
  retryBackoffMs?: readonly number[];
  pollMs?: number;
  /** A poll that failed (retried after a pause), or a record given up on (then `record` names it). */
  onError?: (error: unknown, record?: { shardId: string; sequenceNumber: string }) => void;
}

/** The AWS mapping's maximumRetryAttempts: a record failing this often is given up on. */
const MAX_RETRIES = STREAM_EVENT_SOURCE.retryAttempts;

/** A Streams API record in the shape Lambda hands to the function. */
function lambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? 'local',
    eventSourceARN: streamArn,
    dynamodb: {
      ...record.dynamodb,
      ApproximateCreationDateTime:
        record.dynamodb?.ApproximateCreationDateTime === undefined
          ? undefined
          : record.dynamodb.ApproximateCreationDateTime.getTime() / 1000,
    } as DynamoDBRecord['dynamodb'],
  };
}

export class StreamDriver {
  private readonly streams: DynamoDBStreamsClient;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly shardIterators = new Map<string, string | null>();
  private readonly failures = new Map<string, number>();
  private readonly finished = new Set<string>();
  private idleWaiters: (() => void)[] = [];
  private lastBatchAt = Date.now();

  constructor(private readonly options: StreamDriverOptions) {
    // Bounded like the table's client: a read that hangs must fail and be retried, not stall the stream.
    this.streams = new DynamoDBStreamsClient({
      endpoint: options.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: boundedRequestHandler(),
      retryStrategy: new StoreRetryStrategy({ maxAttempts: DEFAULT_MAX_ATTEMPTS }),
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the batch in hand; a batch not yet checkpointed is read again at the next start. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.streams.destroy();
  }

  /** Resolves once every shard has been read to its end with nothing left to process. */
  async drained(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      if (Date.now() - this.lastBatchAt > (this.options.pollMs ?? 100) * 2 && this.failures.size === 0) return;
    }
    throw new Error('the stream was not drained in time');
  }

  private async streamArn(): Promise<string> {
    const { Table } = await this.options.dynamoClient.send(new DescribeTableCommand({ TableName: this.options.tableName }));
    if (Table?.LatestStreamArn === undefined) throw new Error(`table ${this.options.tableName} has no stream`);
    return Table.LatestStreamArn;
  }

  private async run(): Promise<void> {
    let streamArn: string | undefined;
    while (this.running) {
      try {
        streamArn ??= await this.streamArn();
        const worked = await this.pollOnce(streamArn);
        if (!worked) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
          await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 100));
        }
      } catch (error) {
        this.options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** One pass over the shards; true when any record was handed to the handler. */
  private async pollOnce(streamArn: string): Promise<boolean> {
    const { StreamDescription } = await this.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    const shards = StreamDescription?.Shards ?? [];
    let worked = false;
    for (const shard of shards) {
      const shardId = shard.ShardId!;
      // A child shard waits until its parent has been read to the end (per-key order).
      if (
        shard.ParentShardId !== undefined &&
        shards.some((other) => other.ShardId === shard.ParentShardId) &&
        !this.finished.has(shard.ParentShardId)
      )
        continue;
      if (this.finished.has(shardId)) continue;
      if (await this.pollShard(streamArn, shardId)) worked = true;
    }
    return worked;
  }

  private async iteratorFor(streamArn: string, shardId: string, atSequence?: string): Promise<string | undefined> {
    const checkpoint = atSequence === undefined ? await this.options.checkpoints.getCheckpoint(`${streamArn}|${shardId}`) : undefined;
    const result = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(atSequence !== undefined
          ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: atSequence }
          : checkpoint !== undefined
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: checkpoint }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return result.ShardIterator;
  }

  private async pollShard(streamArn: string, shardId: string): Promise<boolean> {
    let iterator = this.shardIterators.get(shardId);
    if (iterator === null) return false;
    iterator ??= await this.iteratorFor(streamArn, shardId);
    if (iterator === undefined) return false;
    let page;
    try {
      page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.options.batchSize ?? 1000 }));
    } catch (error) {
      if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
        this.shardIterators.delete(shardId);
        return false;
      }
      throw error;
    }
    const records = page.Records ?? [];
    if (records.length === 0) {
      if (page.NextShardIterator === undefined) this.finished.add(shardId);
      this.shardIterators.set(shardId, page.NextShardIterator ?? null);
      return false;
    }
    this.lastBatchAt = Date.now();
    const deadline = Date.now() + (this.options.batchTimeoutMs ?? 60_000);
    const context = {
      functionName: 'exum-router-stream-processor-local',
      awsRequestId: `${shardId}:${records[0]!.dynamodb?.SequenceNumber}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    } as Context;
    const response = await this.options.handler({ Records: records.map((record) => lambdaRecord(record, streamArn)) }, context);
    const failedIds = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    const firstFailed = records.findIndex((record) => failedIds.has(record.dynamodb?.SequenceNumber ?? ''));
    const done = firstFailed === -1 ? records : records.slice(0, firstFailed);
    const last = done.at(-1)?.dynamodb?.SequenceNumber;
    if (last !== undefined) await this.options.checkpoints.putCheckpoint(`${streamArn}|${shardId}`, last);
    if (firstFailed === -1) {
      this.failures.delete(shardId);
      this.shardIterators.set(shardId, page.NextShardIterator ?? null);
      if (page.NextShardIterator === undefined) this.finished.add(shardId);
      return true;
    }
    // Lambda's semantics: retry from the first failed record, after a pause that grows; after
    // MAX_RETRIES, report it (the AWS mapping's on-failure destination) and go past it.
    const failures = (this.failures.get(shardId) ?? 0) + 1;
    const failedSequence = records[firstFailed]!.dynamodb!.SequenceNumber!;
    if (failures > MAX_RETRIES) {
      this.options.onError?.(new Error(`gave up on stream record ${failedSequence} of shard ${shardId} after ${MAX_RETRIES} retries`), {
        shardId,
        sequenceNumber: failedSequence,
      });
      this.failures.delete(shardId);
      await this.options.checkpoints.putCheckpoint(`${streamArn}|${shardId}`, failedSequence);
      this.shardIterators.set(shardId, (await this.iteratorFor(streamArn, shardId)) ?? null);
      return true;
    }
    this.failures.set(shardId, failures);
    const backoff = this.options.retryBackoffMs ?? LOCAL_STREAM_RETRY_BACKOFF_MS;
    await new Promise((resolve) => setTimeout(resolve, backoff[Math.min(failures, backoff.length) - 1]));
    this.shardIterators.set(shardId, (await this.iteratorFor(streamArn, shardId, failedSequence)) ?? null);
    return true;
  }
}
