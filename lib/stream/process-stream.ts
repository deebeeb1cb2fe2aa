// The stream processor. For each batch of DynamoDB stream records:
//   0. the audit trail of the whole batch, written in bulk (lib/stream/audit-trail.ts);
//   1. per record, migration progress: a migration accepted → check and enroll its users, then
//      start wave 1; a wave started → request its users;
//   2. per record, provider events: delivered or dead-lettered (lib/provider-events/, whose
//      delivery-bounds.ts lists every retry and time bound on the way), skipping those a
//      previous delivery of the batch already settled; and a dead letter's replay queued by a
//      person (lib/dead-letters/carry-out-replay.ts): its provider event delivered the same way,
//      or its provisioning event re-applied, then the dead letter removed;
//   3. the events settled in this batch, marked in bulk;
//   4. once per migration that had users settle: advance to its next wave if this one is over.
// Records about different users are processed in parallel; records about the same user one
// after another, and after a failure the user's later records fail too, so a user's events never
// overtake each other. The stream redelivers from the first failure; events already settled are
// not sent again, and events in flight at a crash are sent again under the same id. The store
// decodes the records (lib/store/stream-records.ts): this module never sees a key or an item.
//
// Why settled markers and not Powertools idempotency here: a shard has one consumer, so the
// only duplicates are redeliveries after a failure or a crash, which one bulk read per batch
// catches; Powertools' per-event in-progress lock would cost two writes per event.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import pLimit from 'p-limit';
import {
  finishReplay,
  isStillQueued,
  outgoingOfReplay,
  queuedReplayOf,
  reapplyProvisioningEvent,
  type QueuedDeadLetter,
} from '../dead-letters/carry-out-replay.js';
import type { MigrationUser } from '../domain/migration.js';
import { createLogger, loggedError } from '../logging.js';
import { activateWave, advanceIfSettled, enrollMigration, type MigrationDeps } from '../migrations/migrations.js';
import { deliverOrDeadLetter, deliveryIdOf, type DeliveryDeps } from '../provider-events/deliver-or-dead-letter.js';
import { providerEventsForChange, type OutgoingEvent } from '../provider-events/events-for-change.js';
import { createProvisioningApplier } from '../provisioning/apply-provisioning-events.js';
import type { TenantConfigCache } from '../routing/tenant-config-cache.js';
import { itemChangeOf, orderingKeyOf, streamChangeOf, type StreamChange } from '../store/stream-records.js';
import { auditRecordFor } from './audit-trail.js';

export type StreamDeps = MigrationDeps & DeliveryDeps & { tenantConfigs: TenantConfigCache };

const SETTLED = new Set<MigrationUser['state']>(['completed', 'failed', 'rolled-back', 'cancelled']);

/** Records handled at once: bounds the load a burst of records puts on the table and providers. */
const RECORD_CONCURRENCY = 16;

async function activateStartedWave(deps: StreamDeps, change: StreamChange): Promise<void> {
  if (change.entity !== 'migration') return;
  const { before, after } = change;
  // Accepted (202): its users checked and enrolled here, then wave 1 started (the change after this one).
  if (after?.state === 'enrolling') {
    await enrollMigration(deps, change.tenantId, after.id);
    return;
  }
  if (after !== null && after.state === 'running' && after.currentWave !== (before?.currentWave ?? 0)) {
    await activateWave(deps, change.tenantId, after.id);
  }
}

/** The migration whose user this change settled, if it did: its wave may now be over. */
function settledMigrationOf(change: StreamChange): string | null {
  if (change.entity !== 'migration-user') return null;
  const { before, after } = change;
  return after !== null && before?.state !== after.state && SETTLED.has(after.state) ? `${change.tenantId}|${after.migrationId}` : null;
}

type Planned = { change: StreamChange; events: OutgoingEvent[]; replay: QueuedDeadLetter | null } | { unreadable: Error };

/**
 * What each record of the batch means: its change and the provider events it produces. A record
 * whose image does not parse fails alone (and the records after it about the same subject).
 */
async function plan(deps: StreamDeps, records: readonly DynamoDBRecord[]): Promise<Map<DynamoDBRecord, Planned>> {
  const planned = new Map<DynamoDBRecord, Planned>();
  for (const record of records) {
    let change: StreamChange | null;
    try {
      change = streamChangeOf(record);
    } catch (error) {
      planned.set(record, { unreadable: new Error(`unreadable stream record ${record.eventID}: ${(error as Error).message}`) });
      continue;
    }
    if (change === null) continue;
    const config = await deps.tenantConfigs.get(change.tenantId);
    const replay = queuedReplayOf(change);
    const events =
      // A tenant that is gone has nobody to tell.
      config === undefined
        ? []
        : replay === null
          ? providerEventsForChange(change, config)
          : replay.kind === 'provider-event'
            ? [outgoingOfReplay(replay)]
            : [];
    planned.set(record, { change, events, replay });
  }
  return planned;
}

/** A record as the log names it: the stream's event id and sequence number. */
const recordOf = (record: DynamoDBRecord) => ({ eventId: record.eventID, sequenceNumber: record.dynamodb?.SequenceNumber });

export function createStreamHandler(deps: StreamDeps, logger: Logger = createLogger('exum-router-stream-processor', 'WARN')) {
  // For replays of provisioning events: the same applier as the provisioning function's.
  const provisioning = createProvisioningApplier(deps);
  return async function handleStreamBatch(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
    provisioning.useInvocation(context);
    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    let planned: Map<DynamoDBRecord, Planned>;
    let alreadySettled: Set<string>;
    try {
      const changes = event.Records.map(itemChangeOf).filter((change) => change !== null);
      await deps.events.putAudits(changes.map(auditRecordFor).filter((audit) => audit !== null));
      planned = await plan(deps, event.Records);
      alreadySettled = await deps.events.settledAmong(
        [...planned.values()].flatMap((entry) =>
          'unreadable' in entry
            ? []
            : entry.events.map((outgoing) => ({ tenantId: entry.change.tenantId, eventId: deliveryIdOf(outgoing) })),
        ),
      );
    } catch (error) {
      // Nothing of the batch is done: all of it comes back.
      logger.error('stream batch failed, all of it comes back', {
        records: event.Records.length,
        // Lambda redelivers the batch from here.
        firstEventId: event.Records[0]?.eventID,
        firstSequenceNumber: event.Records[0]?.dynamodb?.SequenceNumber,
        ...loggedError(error),
      });
      return { batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' })) };
    }

    const settledNow: { tenantId: string; eventId: string; settled: 'delivered' | 'dead-lettered'; at: string }[] = [];
    const handleRecord = async (record: DynamoDBRecord): Promise<void> => {
      const entry = planned.get(record);
      if (entry === undefined) return;
      if ('unreadable' in entry) throw entry.unreadable;
      const { change, replay } = entry;
      await activateStartedWave(deps, change);
      if (replay !== null) {
        // Carried out already (this record comes back), superseded by a newer replay, or discarded.
        if (!(await isStillQueued(deps, change.tenantId, replay))) return;
        if (replay.kind === 'provisioning-event') await reapplyProvisioningEvent(deps, provisioning, change.tenantId, replay);
      }
      for (const outgoing of entry.events) {
        const deliveryId = deliveryIdOf(outgoing);
        if (alreadySettled.has(deliveryId)) continue;
        const settled = await deliverOrDeadLetter(deps, change.tenantId, outgoing);
        settledNow.push({ tenantId: change.tenantId, eventId: deliveryId, settled, at: deps.now().toISOString() });
      }
      if (replay !== null) await finishReplay(deps, change.tenantId, replay);
    };

    const limit = pLimit(RECORD_CONCURRENCY);
    const chains = new Map<string, Promise<void>>();
    const inOrderPerSubject = (record: DynamoDBRecord): Promise<void> => {
      const key = orderingKeyOf(record);
      const previous = chains.get(key) ?? Promise.resolve();
      const current = previous.then(
        () =>
          limit(() =>
            handleRecord(record).catch((error: unknown) => {
              logger.error('stream record failed, it comes back', { ...recordOf(record), ...loggedError(error) });
              throw error;
            }),
          ),
        // Its own line is the earlier record's: this one only waits for it.
        () => {
          throw new Error('not processed: an earlier record about the same subject failed (order is kept)');
        },
      );
      chains.set(key, current);
      return current;
    };
    const response = await processPartialResponse(event, inOrderPerSubject, processor, {
      context,
      processInParallel: true,
      throwOnFullBatchFailure: false,
    });
    try {
      await deps.events.markSettled(settledNow);
    } catch (error) {
      // Unmarked events would be sent again under the same ids after a redelivery: allowed
      // (at least once), so the batch's outcome stands.
      logger.warn('settled events not marked; a redelivery would send them again', { events: settledNow.length, ...loggedError(error) });
    }

    // Once per migration and batch (not per settled user): is its current wave over? If the
    // check fails, the records that settled users come back, so the check runs again.
    const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    const settledBy = new Map<string, DynamoDBRecord[]>();
    for (const [record, entry] of planned) {
      if ('unreadable' in entry) continue;
      const migration = settledMigrationOf(entry.change);
      if (migration !== null && !failed.has(record.dynamodb?.SequenceNumber ?? ''))
        settledBy.set(migration, [...(settledBy.get(migration) ?? []), record]);
    }
    for (const [migration, records] of settledBy) {
      const [tenantId, migrationId] = migration.split('|') as [string, string];
      try {
        await advanceIfSettled(deps, tenantId, migrationId);
      } catch (error) {
        logger.error('migration wave check failed, its records come back', {
          tenantId,
          migrationId,
          records: records.length,
          ...loggedError(error),
        });
        response.batchItemFailures.push(...records.map((record) => ({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' })));
      }
    }
    return response;
  };
}
