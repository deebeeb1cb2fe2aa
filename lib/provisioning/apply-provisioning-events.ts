// Applying provisioning events: validate, apply idempotently (an event id applied once is not
// applied again, and its second delivery answers `duplicate`; an upsert that changes nothing
// writes nothing), and dead-letter with the reason what cannot be applied. Transient failures
// (the store unavailable) are retried by the queue.
import { randomUUID } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ContactCreateSchema, ContactPatchSchema } from '../domain/contact.js';
import type { Actor } from '../domain/credential.js';
import { MigrationCreateSchema } from '../domain/migration.js';
import { UserCreateSchema, UserPatchSchema } from '../domain/user.js';
import { ExumError, parseInput, statusOf } from '../errors.js';
import { omit } from '../omit.js';
import { createLogger, loggedError } from '../logging.js';
import * as principals from '../management/principals.js';
import type { WriteOutcome } from '../management/write-context.js';
import { startMigration, type MigrationDeps } from '../migrations/migrations.js';
import type { EventStore } from '../store/event-store.js';
import { isStorableValue } from '../store/items.js';
import { ProvisioningEventSchema, type ProvisioningEvent } from './provisioning-events.js';

export type ProvisioningDeps = MigrationDeps & { events: EventStore };

/** `duplicate`: the event id was applied (or found unchanged) before; nothing was done this time. */
export type ProvisioningOutcome =
  { id: string; outcome: 'applied' | 'unchanged' | 'duplicate' } | { id: string; outcome: 'dead-lettered'; reason: string; field?: string };

/** What the idempotent application stores and answers again: its outcome, and which delivery reached it. */
interface Applied {
  outcome: 'applied' | 'unchanged';
  delivery: string;
}

const write = { dryRun: false, ifMatch: null } as const;
const dryRun = { dryRun: true, ifMatch: null } as const;

/** The write an upsert would make, or nothing when the record already says it all. */
const changesSomething = (outcome: WriteOutcome<unknown>) =>
  outcome.dryRun && outcome.changes.some((change) => JSON.stringify(change.before) !== JSON.stringify(change.after));

/** How each kind of principal is created and changed: the same use cases as the API's. */
const UPSERTS = {
  user: {
    field: 'detail.user',
    createSchema: UserCreateSchema,
    patchSchema: UserPatchSchema,
    create: principals.createUser,
    patch: principals.patchUser,
  },
  contact: {
    field: 'detail.contact',
    createSchema: ContactCreateSchema,
    patchSchema: ContactPatchSchema,
    create: principals.createContact,
    patch: principals.patchContact,
  },
} as const;

type Upsert = (typeof UPSERTS)[keyof typeof UPSERTS];

/** Creates the principal (defaults for what is not given), or changes the fields given; unchanged writes nothing. */
async function upsert(
  deps: ProvisioningDeps,
  actor: Actor,
  tenantId: string,
  kind: Upsert,
  raw: { sipUri: string } & Record<string, unknown>,
): Promise<'applied' | 'unchanged'> {
  const create = kind.create as typeof principals.createUser;
  const patch = kind.patch as typeof principals.patchUser;
  const existing = await deps.store.principals.get(tenantId, raw.sipUri);
  if (existing === undefined) {
    await create(deps, actor, tenantId, parseInput(kind.createSchema, raw, kind.field) as never, write);
    return 'applied';
  }
  const changes = parseInput(kind.patchSchema, omit(raw, 'sipUri'), kind.field) as never;
  if (!changesSomething(await patch(deps, actor, tenantId, existing.sipUri, changes, dryRun))) return 'unchanged';
  await patch(deps, actor, tenantId, existing.sipUri, changes, write);
  return 'applied';
}

async function apply(deps: ProvisioningDeps, actor: Actor, event: ProvisioningEvent): Promise<'applied' | 'unchanged'> {
  const { tenantId } = event.detail;
  switch (event['detail-type']) {
    case 'user.upserted':
      return upsert(deps, actor, tenantId, UPSERTS.user, event.detail.user);
    case 'contact.upserted':
      return upsert(deps, actor, tenantId, UPSERTS.contact, event.detail.contact);
    case 'user.removed':
    case 'contact.removed': {
      const type = event['detail-type'] === 'user.removed' ? 'user' : 'contact';
      const existing = await deps.store.principals.get(tenantId, event.detail.sipUri);
      if (existing?.type !== type) return 'unchanged';
      await (type === 'user' ? principals.deleteUser : principals.deleteContact)(deps, actor, tenantId, existing.sipUri, write);
      return 'applied';
    }
    case 'migration.requested':
      await startMigration(deps, actor, tenantId, parseInput(MigrationCreateSchema, event.detail.migration, 'detail.migration'), write);
      return 'applied';
  }
}

/** A dead letter's replay (lib/dead-letters/): dead-lettered again, the event keeps its dead letter's id and counts the replay. */
export interface ReplayOf {
  deadLetterId: string;
  failedBefore: number;
}

/** Client errors are permanent (dead-letter); anything else is transient (retry). */
const isPermanent = (error: unknown) =>
  error instanceof ExumError && statusOf(error.code) < 500 && error.code !== 'concurrent-modification';

export function createProvisioningApplier(deps: ProvisioningDeps) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[event.detail.tenantId, event.id]',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: 7 * 24 * 3600,
  });
  // The key is the tenant and event id only: `delivery`, unique to each call, is stored with the
  // outcome, so an answer given again (another delivery's) is told apart from this one's.
  const applyOnce = makeIdempotent(
    async (request: { event: ProvisioningEvent; actor: Actor; delivery: string }): Promise<Applied> => ({
      outcome: await apply(deps, request.actor, request.event),
      delivery: request.delivery,
    }),
    { persistenceStore: deps.events.idempotencyLayer('IDEMPOTENCY#provisioning'), config },
  );

  async function deadLetter(
    tenantId: string | null,
    eventId: string,
    type: string,
    body: unknown,
    error: ExumError,
    replay: ReplayOf | undefined,
  ): Promise<ProvisioningOutcome> {
    const issue = error.issues[0];
    const reason = error.message;
    await deps.events.putDeadLetter(tenantId, {
      id: replay?.deadLetterId ?? randomUUID(),
      kind: 'provisioning-event',
      eventId,
      type,
      providerId: null,
      subject: issue?.field ?? '',
      reason,
      attempts: 1,
      lastStatus: statusOf(error.code),
      deadLetteredAt: deps.now().toISOString(),
      event: body,
      ...(replay === undefined ? {} : { replays: replay.failedBefore + 1 }),
    });
    return { id: eventId, outcome: 'dead-lettered', reason, ...(issue === undefined ? {} : { field: issue.field }) };
  }

  /** Applies one event, given as JSON text (an SQS message body); throws only for transient failures. */
  async function applyMessage(body: string, actor: Actor, expectedTenant?: string, replay?: ReplayOf): Promise<ProvisioningOutcome> {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      // Not lost: the text itself is dead-lettered, with the reason.
      return deadLetter(
        expectedTenant ?? null,
        'unknown',
        'unknown',
        body,
        new ExumError('malformed-json', 'the event is not JSON', [{ field: 'body', rule: 'json', message: 'not JSON' }]),
        replay,
      );
    }
    const raw = json as { id?: unknown; 'detail-type'?: unknown; detail?: { tenantId?: unknown } };
    const eventId = typeof raw.id === 'string' ? raw.id : 'unknown';
    const type = typeof raw['detail-type'] === 'string' ? raw['detail-type'] : 'unknown';
    const claimedTenant = typeof raw.detail?.tenantId === 'string' ? raw.detail.tenantId : null;
    const tenantId = expectedTenant ?? claimedTenant;
    try {
      const event = parseInput(ProvisioningEventSchema, json, '');
      if (expectedTenant !== undefined && event.detail.tenantId !== expectedTenant) {
        throw new ExumError('validation-failed', `the event is for tenant ${event.detail.tenantId}, not ${expectedTenant}`, [
          { field: 'detail.tenantId', rule: 'same-tenant', message: `must be ${expectedTenant}` },
        ]);
      }
      if ((await deps.store.tenants.get(event.detail.tenantId)) === undefined) {
        throw new ExumError('not-found', `tenant ${event.detail.tenantId} not found`, [
          { field: 'detail.tenantId', rule: 'tenant-exists', message: 'no such tenant' },
        ]);
      }
      const delivery = randomUUID();
      // Records stored before outcomes named their delivery hold the bare outcome: answered again, so duplicates too.
      const applied = (await applyOnce({ event, actor, delivery })) as Applied | Applied['outcome'];
      return { id: event.id, outcome: typeof applied === 'object' && applied.delivery === delivery ? applied.outcome : 'duplicate' };
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      const exum = error instanceof ExumError ? error : cause instanceof ExumError ? cause : undefined;
      if (exum !== undefined && isPermanent(exum)) {
        // An event the table cannot hold as it is (too deep, numbers out of DynamoDB's range) is kept as its text.
        const kept = isStorableValue(json) ? json : body;
        return deadLetter(
          tenantId === null || exum.issues[0]?.rule === 'tenant-exists' ? null : tenantId,
          eventId,
          type,
          kept,
          exum,
          replay,
        );
      }
      throw error;
    }
  }

  return { applyMessage, useInvocation: (context: Context) => config.registerLambdaContext(context) };
}

/** The SQS handler (batch item failures): transient failures come back; the rest are applied or dead-lettered. */
export function createProvisioningHandler(deps: ProvisioningDeps, logger: Logger = createLogger('exum-router-provisioning', 'WARN')) {
  const applier = createProvisioningApplier(deps);
  const actor: Actor = { credentialId: 'provisioning', role: 'user-admin', tenantId: null, providerId: null };
  const applyRecord = async (record: SQSRecord): Promise<ProvisioningOutcome> => {
    try {
      const outcome = await applier.applyMessage(record.body, actor);
      if (outcome.outcome === 'dead-lettered') {
        logger.warn('provisioning event dead-lettered', { messageId: record.messageId, eventId: outcome.id, reason: outcome.reason });
      }
      return outcome;
    } catch (error) {
      logger.error('provisioning event failed, the queue retries it', { messageId: record.messageId, ...loggedError(error) });
      throw error;
    }
  };
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    applier.useInvocation(context);
    const processor = new BatchProcessor(EventType.SQS);
    // One message after another: an upsert and a removal of one user keep their order.
    return processPartialResponse(event, applyRecord, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  };
}
