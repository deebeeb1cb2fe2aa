// The stream processor: each DynamoDB stream record, in order, goes through the consumers:
//   1. migration progress: a wave started → request its users; a user settled → maybe advance;
//   2. provider events: delivered (or dead-lettered) per lib/stream/deliver-events.ts.
// Records are processed one after another; after a failure the rest of the batch is failed
// too, so a user's events never overtake each other (the stream retries from the first failure).
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Migration, MigrationUser } from '../domain/migration.js';
import { activateWave, advanceIfSettled, type MigrationDeps } from '../migrations/migrations.js';
import type { TenantConfigCache } from '../routing/tenant-config-cache.js';
import { idempotentDelivery, type DeliveryDeps } from './deliver-events.js';
import { providerEventsForChange } from './provider-events-for-change.js';
import { streamChangeOf, type StreamChange } from './stream-change.js';

export type StreamDeps = MigrationDeps & DeliveryDeps & { tenantConfigs: TenantConfigCache };

const SETTLED = new Set<MigrationUser['state']>(['completed', 'failed', 'rolled-back', 'cancelled']);

async function progressMigrations(deps: StreamDeps, change: StreamChange): Promise<void> {
  if (change.entity === 'migration') {
    const before = change.before as Migration | null;
    const after = change.after as Migration | null;
    if (after !== null && after.state === 'running' && after.currentWave !== (before?.currentWave ?? 0)) {
      await activateWave(deps, change.tenantId, after.id);
    }
  }
  if (change.entity === 'migration-user') {
    const before = change.before as MigrationUser | null;
    const after = change.after as MigrationUser | null;
    if (after !== null && before?.state !== after.state && SETTLED.has(after.state)) {
      await advanceIfSettled(deps, change.tenantId, after.migrationId);
    }
  }
}

export function createStreamRecordHandler(deps: StreamDeps) {
  const delivery = idempotentDelivery(deps);
  const handleStreamRecord = async (record: DynamoDBRecord): Promise<void> => {
    const change = streamChangeOf(record);
    if (change === null) return;
    await progressMigrations(deps, change);
    const config = await deps.tenantConfigs.get(change.tenantId);
    if (config === undefined) return; // the tenant is gone: nobody to tell
    for (const outgoing of providerEventsForChange(change, config)) await delivery.deliver(change.tenantId, outgoing);
  };
  return { handleStreamRecord, useInvocation: delivery.useInvocation };
}

/** The Lambda handler for the table's stream (report batch item failures enabled). */
export function createStreamHandler(deps: StreamDeps) {
  const { handleStreamRecord: handleRecord, useInvocation } = createStreamRecordHandler(deps);
  return async function handleStreamBatch(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
    useInvocation(context);
    let failed = false;
    const inOrder = async (record: DynamoDBRecord) => {
      if (failed) throw new Error('not processed: an earlier record of this batch failed (order is kept)');
      try {
        await handleRecord(record);
      } catch (error) {
        failed = true;
        throw error;
      }
    };
    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    return processPartialResponse(event, inOrder, processor, { context, processInParallel: false, throwOnFullBatchFailure: false });
  };
}
