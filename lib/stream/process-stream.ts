// The stream processor: each DynamoDB stream record goes through the consumers:
//   0. the audit trail (lib/stream/audit-trail.ts);
//   1. migration progress: a wave started → request its users; a user settled → maybe advance;
//   2. provider events: delivered (or dead-lettered) per lib/stream/deliver-events.ts.
// Records about different users are processed in parallel; records about the same user one
// after another, and after a failure the user's later records fail too, so a user's events never
// overtake each other. The stream redelivers from the first failure; what was already delivered
// is skipped by idempotency.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Migration, MigrationUser } from '../domain/migration.js';
import { activateWave, advanceIfSettled, type MigrationDeps } from '../migrations/migrations.js';
import type { TenantConfigCache } from '../routing/tenant-config-cache.js';
import { idempotentDelivery, type DeliveryDeps } from './deliver-events.js';
import { auditRecordFor } from './audit-trail.js';
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

/** Records with the same key keep their order: a user's (or contact's) records, a migration's. */
export function orderingKey(record: DynamoDBRecord): string {
  const pk = record.dynamodb?.Keys?.pk?.S ?? '';
  const sk = record.dynamodb?.Keys?.sk?.S ?? '';
  const tenant = /^T#[^#]+#/.exec(pk)?.[0] ?? '';
  if (sk.startsWith('USER#')) return `${tenant}${sk.slice('USER#'.length)}`;
  const address = /#ADDR#(.+)$/.exec(pk)?.[1];
  return address === undefined ? pk : `${tenant}${address}`;
}

export function createStreamRecordHandler(deps: StreamDeps) {
  const delivery = idempotentDelivery(deps);
  const handleStreamRecord = async (record: DynamoDBRecord): Promise<void> => {
    const audit = auditRecordFor(record);
    if (audit !== null) await deps.events.putAudit(audit.tenantId, audit.record);
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
    const chains = new Map<string, Promise<void>>();
    const inOrderPerSubject = (record: DynamoDBRecord): Promise<void> => {
      const key = orderingKey(record);
      const previous = chains.get(key) ?? Promise.resolve();
      const current = previous.then(
        () => handleRecord(record),
        () => {
          throw new Error('not processed: an earlier record about the same subject failed (order is kept)');
        },
      );
      chains.set(key, current);
      return current;
    };
    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    return processPartialResponse(event, inOrderPerSubject, processor, { context, processInParallel: true, throwOnFullBatchFailure: false });
  };
}
