// Migrations in the table: the migration record, one item per user, and the claim that keeps a
// user in at most one open migration. Every transition of a user is a conditional write on its
// state (so answers are idempotent and races harmless), in one transaction with the user's own
// record when its flags change.
import { ConditionalCheckFailedException, UpdateItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ExumError } from '../errors.js';
import {
  MigrationSchema,
  MigrationUserSchema,
  type DeliveryAttempt,
  type Migration,
  type MigrationUser,
  type MigrationUserState,
} from '../domain/migration.js';
import type { Principal } from '../domain/principal.js';
import type { PolicyGuard } from './changes.js';
import { fromItem, toItem, toKey, type Item } from './items.js';
import { keys, listPartitions, migrationPartition, type Key } from './keys.js';
import { principalWrites } from './principal-writes.js';
import { StaleReadError } from './sdk-errors.js';
import {
  absentCondition,
  afterCollision,
  MAX_COLLISIONS,
  onlyCollisions,
  stale,
  unexpectedCancellation,
  type GuardedWrite,
  type Page,
  type TableClient,
} from './table-client.js';

/** SIP addresses in one enrollment item of a new migration: 10,000 addresses do not fit in one item (400 KB). */
const ENROLLMENT_CHUNK = 1000;

/** What a new migration is to enroll: SIP addresses, or a filter over the tenant's users. */
export interface Enrollment {
  users?: string[];
  filter?: { site?: string; domain?: string; lineUriPrefix?: string };
}

/** Users written in one transaction of a new migration: two items each. */
const USERS_PER_TRANSACTION = 40;
/**
 * Transactions of a new migration written at once. Few: DynamoDB Local runs transactions one at
 * a time, so each one queued behind others waits their time within its own 2 s timeout (8 at
 * once turned a 1,000-user start into 503s on a busy machine).
 */
const TRANSACTIONS_AT_ONCE = 2;

/** Who asked for a new migration: the fingerprint of the request, kept until expiresAt (epoch seconds). */
export interface MigrationRequest {
  fingerprint: string;
  nowSeconds: number;
  expiresAt: number;
  /** A cancelled migration the same request created earlier: its record of the request may be replaced. */
  replaces: string | null;
}

/** The same start request was made before (or meanwhile): it created this migration. */
export class RequestAlreadyMadeError extends Error {
  override readonly name = 'RequestAlreadyMadeError';
  constructor(readonly migrationId: string) {
    super(`the same request created migration ${migrationId}`);
  }
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function inParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

export interface UserTransition {
  item: MigrationUser;
  to: MigrationUserState;
  at: string;
  failureReason?: string;
  /** The user's record before and after, when the transition changes it (ready, rollback, grant). */
  principal?: { before: Principal; after: Principal; guards: PolicyGuard[] };
  /** Leaving the open states frees the user for another migration. */
  releaseClaim: boolean;
}

const stepOf: Partial<Record<MigrationUserState, keyof MigrationUser['steps']>> = {
  requested: 'requestedAt',
  completed: 'completedAt',
  failed: 'failedAt',
  'rolled-back': 'rolledBackAt',
  cancelled: 'cancelledAt',
};

export class MigrationStore {
  constructor(private readonly table: TableClient) {}

  /** Which of these users are already in an open migration (SIP address → migration id). */
  async findOpenClaims(tenantId: string, sipUris: readonly string[]): Promise<Map<string, string>> {
    const items = await this.table.batchGet(sipUris.map((sipUri) => keys.migrationClaim(tenantId, sipUri)));
    return new Map(
      items.map((item) => {
        const claim = unmarshall(item) as { sipUri: string; migrationId: string };
        return [claim.sipUri, claim.migrationId];
      }),
    );
  }

  /**
   * The migration an earlier start request with this fingerprint created, while its record of
   * the request has not expired (`nowSeconds`: epoch seconds).
   */
  async findMigrationRequest(tenantId: string, fingerprint: string, nowSeconds: number): Promise<string | undefined> {
    const item = await this.table.getItem(keys.migrationRequest(tenantId, fingerprint), true);
    if (item === undefined) return undefined;
    const request = unmarshall(item) as { migrationId: string; expiresAt: number };
    return request.expiresAt > nowSeconds ? request.migrationId : undefined;
  }

  /**
   * Writes a new migration, enrolling (nothing claimed yet): in one transaction, the record of
   * the request that starts it (first: a request made again, or the SDK's own retry of this
   * transaction after a lost answer, is reported as RequestAlreadyMadeError naming the migration),
   * the migration's record and what it is to enroll (ENROLLMENT_CHUNK addresses an item, or the
   * filter). Its users are then enrolled by enrollUsers, in the request or in the background.
   */
  async createMigration(tenantId: string, migration: Migration, enrollment: Enrollment, request: MigrationRequest): Promise<void> {
    const chunks: Enrollment[] =
      enrollment.users === undefined
        ? [enrollment]
        : Array.from({ length: Math.max(1, Math.ceil(enrollment.users.length / ENROLLMENT_CHUNK)) }, (_, index) => ({
            users: enrollment.users!.slice(index * ENROLLMENT_CHUNK, (index + 1) * ENROLLMENT_CHUNK),
          }));
    await this.table.transact([
      {
        write: this.table.put(
          toItem(keys.migrationRequest(tenantId, request.fingerprint), 'migration-request', {
            migrationId: migration.id,
            expiresAt: request.expiresAt,
          }),
          {
            // Free once expired, or once the migration it named was cancelled or refused (the caller read it so).
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR migrationId = :replaces',
            ExpressionAttributeValues: marshall({ ':now': request.nowSeconds, ':replaces': request.replaces ?? '' }),
          },
        ),
        onConditionFailed: (current) =>
          current === undefined
            ? new StaleReadError('request record changed')
            : new RequestAlreadyMadeError(String(unmarshall(current).migrationId)),
      },
      {
        write: this.table.put(migrationItem(tenantId, migration), absentCondition),
        onConditionFailed: () => new ExumError('internal', `migration id ${migration.id} collided`),
      },
      ...chunks.map((chunk, index) => ({
        write: this.table.put(
          // The addresses as one string, a line each: one attribute value to store rather than a thousand.
          toItem(keys.migrationEnrollment(tenantId, migration.id, index), 'migration-enrollment', {
            migrationId: migration.id,
            ...(chunk.users === undefined ? { filter: chunk.filter } : { users: chunk.users.join('\n') }),
          }),
          absentCondition,
        ),
        onConditionFailed: stale('migration enrollment'),
      })),
    ]);
  }

  /** What a migration was asked to enroll: its users in the order given, or its filter. */
  async enrollmentOf(tenantId: string, id: string): Promise<Enrollment | undefined> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :enroll)',
      ExpressionAttributeValues: marshall({ ':pk': migrationPartition(tenantId, id), ':enroll': 'ENROLL#' }),
      ConsistentRead: true,
    });
    if (items.length === 0) return undefined;
    const chunks = items.map((item) => unmarshall(item) as { users?: string; filter?: Enrollment['filter'] });
    const filter = chunks[0]?.filter;
    return filter === undefined ? { users: chunks.flatMap((chunk) => (chunk.users ?? '').split('\n')) } : { filter };
  }

  /**
   * Enrolls users in an enrolling migration: each user's item with its claim, in transactions
   * written in parallel. Idempotent, so an enrollment interrupted (a store fault, a crash) is
   * carried out again from the start, by the request or by the stream processor, even both at
   * once: a user already enrolled in this migration is left as it is; a claim of this migration is
   * kept. A user claimed by another migration meanwhile is reported (409, naming the user and
   * one-open-migration-per-user): the caller refuses the migration, then releases its users.
   */
  async enrollUsers(tenantId: string, migration: Migration, users: readonly MigrationUser[]): Promise<void> {
    const chunks: { start: number; users: readonly MigrationUser[] }[] = [];
    for (let start = 0; start < users.length; start += USERS_PER_TRANSACTION) {
      chunks.push({ start, users: users.slice(start, start + USERS_PER_TRANSACTION) });
    }
    const failures: unknown[] = [];
    await inParallel(chunks, TRANSACTIONS_AT_ONCE, async (chunk) => {
      // After a failure nothing more is written: it is all undone.
      if (failures.length > 0) return;
      try {
        await this.enrollChunk(tenantId, migration, chunk.users, chunk.start);
      } catch (error) {
        failures.push(error);
      }
    });
    // The refusal that names a user, rather than a busy store, when both happened. What was written
    // stays: the enrollment is carried out again (it is idempotent), or the refused migration releases it.
    const conflict = failures.find((error): error is ExumError => error instanceof ExumError && error.code === 'conflict');
    if (conflict !== undefined) throw conflict;
    if (failures.length > 0) throw failures[0] instanceof Error ? failures[0] : new Error(String(failures[0]));
  }

  /** One transaction of users, dropping those already enrolled in this migration (and going again). */
  private async enrollChunk(tenantId: string, migration: Migration, chunk: readonly MigrationUser[], start: number): Promise<void> {
    let remaining = chunk.map((user, index) => ({ user, position: start + index }));
    for (let attempt = 0; remaining.length > 0; attempt++) {
      const writes = remaining.flatMap(({ user, position }) => this.userWrites(tenantId, migration, user, position));
      const failures = await this.table.transactOrFailures(writes);
      if (failures === undefined) return;
      if (attempt >= MAX_COLLISIONS) throw new StaleReadError('enrolling users kept colliding');
      const enrolled = new Set<number>();
      for (const failure of failures) {
        const entry = Math.floor(failure.position / 2);
        if (failure.code !== 'ConditionalCheckFailed') continue;
        // The user's item already written (by this enrollment, earlier or at the same time): so was its claim.
        if (failure.position % 2 === 0) enrolled.add(entry);
        else throw writes[failure.position]!.onConditionFailed(failure.item);
      }
      if (enrolled.size === 0 && !onlyCollisions(failures)) throw unexpectedCancellation(failures);
      if (enrolled.size === 0) await afterCollision(attempt);
      remaining = remaining.filter((_, index) => !enrolled.has(index));
    }
  }

  private userWrites(tenantId: string, migration: Migration, user: MigrationUser, position: number): GuardedWrite[] {
    return [
      {
        write: this.table.put(toItem(keys.migrationUser(tenantId, migration.id, user.sipUri), 'migration-user', user), absentCondition),
        onConditionFailed: stale('migration user'),
      },
      {
        write: this.table.put(
          toItem(keys.migrationClaim(tenantId, user.sipUri), 'migration-claim', { sipUri: user.sipUri, migrationId: migration.id }),
          {
            // A claim of this migration (an enrollment carried out again) is its own.
            ConditionExpression: 'attribute_not_exists(pk) OR migrationId = :id',
            ExpressionAttributeValues: marshall({ ':id': migration.id }),
          },
        ),
        onConditionFailed: (current) =>
          new ExumError(
            'conflict',
            `${user.sipUri} is already in migration ${current === undefined ? '(another)' : String(unmarshall(current).migrationId)}`,
            [
              {
                field: `users.${position}`,
                rule: 'one-open-migration-per-user',
                message: `${user.sipUri} is already in an open migration`,
              },
            ],
          ),
      },
    ];
  }

  /** Removes the users' items and claims of this migration (claims only where they name it): nobody is left claimed. */
  async releaseUsers(tenantId: string, migration: Migration, users: readonly Pick<MigrationUser, 'sipUri'>[]): Promise<void> {
    const ownedBy = (key: Key, attribute: string, value: string): TransactWriteItem => ({
      Delete: {
        TableName: this.table.tableName,
        Key: toKey(key),
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': attribute },
        ExpressionAttributeValues: marshall({ ':owner': value }),
      },
    });
    const chunks: (readonly Pick<MigrationUser, 'sipUri'>[])[] = [];
    for (let start = 0; start < users.length; start += USERS_PER_TRANSACTION)
      chunks.push(users.slice(start, start + USERS_PER_TRANSACTION));
    await inParallel(chunks, TRANSACTIONS_AT_ONCE, (chunk) =>
      this.deleteWhereOwned(
        chunk.flatMap((user) => [
          ownedBy(keys.migrationUser(tenantId, migration.id, user.sipUri), 'migrationId', migration.id),
          ownedBy(keys.migrationClaim(tenantId, user.sipUri), 'migrationId', migration.id),
        ]),
      ),
    );
  }

  /** Deletes in one transaction, dropping the deletes whose item is absent or not ours (and going again). */
  private async deleteWhereOwned(deletes: TransactWriteItem[]): Promise<void> {
    let remaining = deletes;
    for (let attempt = 0; remaining.length > 0; attempt++) {
      const failures = await this.table.transactOrFailures(remaining.map((write) => ({ write, onConditionFailed: stale('item') })));
      if (failures === undefined) return;
      if (attempt >= 20) throw new StaleReadError('undoing a migration kept colliding');
      const notOurs = new Set(failures.filter((failure) => failure.code === 'ConditionalCheckFailed').map((failure) => failure.position));
      remaining = remaining.filter((_, position) => !notOurs.has(position));
    }
  }

  async getMigration(tenantId: string, id: string): Promise<Migration | undefined> {
    const item = await this.table.getItem(keys.migration(tenantId, id), true);
    return item === undefined ? undefined : fromItem(MigrationSchema, item);
  }

  async getMigrationUser(tenantId: string, id: string, sipUri: string): Promise<MigrationUser | undefined> {
    const item = await this.table.getItem(keys.migrationUser(tenantId, id, sipUri), true);
    return item === undefined ? undefined : fromItem(MigrationUserSchema, item);
  }

  async listMigrations(tenantId: string, cursor: string | null, limit: number): Promise<Page<Migration>> {
    const partition = listPartitions.migrations(tenantId);
    return this.table.queryPages(
      {
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: marshall({ ':pk': partition }),
        ScanIndexForward: false,
      },
      { cursor, limit, cursorPartition: { attribute: 'gsi1pk', value: partition } },
      (item) => fromItem(MigrationSchema, item),
    );
  }

  async listMigrationUsers(tenantId: string, id: string, cursor: string | null, limit: number): Promise<Page<MigrationUser>> {
    const partition = migrationPartition(tenantId, id);
    return this.table.queryPages(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :users)',
        ExpressionAttributeValues: marshall({ ':pk': partition, ':users': 'USER#' }),
        ConsistentRead: true,
      },
      { cursor, limit, cursorPartition: { attribute: 'pk', value: partition } },
      (item) => fromItem(MigrationUserSchema, item),
    );
  }

  /** Every user of a migration in one wave (or all waves), strongly consistent. */
  async usersOf(tenantId: string, id: string, wave?: number): Promise<MigrationUser[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :users)',
      ...(wave === undefined ? {} : { FilterExpression: 'wave = :wave' }),
      ExpressionAttributeValues: marshall({
        ':pk': migrationPartition(tenantId, id),
        ':users': 'USER#',
        ...(wave === undefined ? {} : { ':wave': wave }),
      }),
      ConsistentRead: true,
    });
    return items.map((item) => fromItem(MigrationUserSchema, item));
  }

  /** Moves one user to a new state, conditional on the state (and version) read. */
  async transition(tenantId: string, transition: UserTransition): Promise<MigrationUser> {
    const { item, to, at } = transition;
    const step = stepOf[to];
    const next: MigrationUser = {
      ...item,
      state: to,
      steps: step === undefined ? item.steps : { ...item.steps, [step]: at },
      failureReason: transition.failureReason ?? item.failureReason,
      version: item.version + 1,
    };
    const writes: GuardedWrite[] = [
      {
        write: this.table.put(toItem(keys.migrationUser(tenantId, item.migrationId, item.sipUri), 'migration-user', next), {
          ConditionExpression: '#state = :state AND #version = :version',
          ExpressionAttributeNames: { '#state': 'state', '#version': 'version' },
          ExpressionAttributeValues: marshall({ ':state': item.state, ':version': item.version }),
        }),
        onConditionFailed: stale(`migration user ${item.sipUri}`),
      },
    ];
    if (transition.releaseClaim) {
      writes.push({
        write: {
          Delete: {
            TableName: this.table.tableName,
            Key: toKey(keys.migrationClaim(tenantId, item.sipUri)),
            ConditionExpression: 'migrationId = :id',
            ExpressionAttributeValues: marshall({ ':id': item.migrationId }),
          },
        },
        onConditionFailed: stale(`claim of ${item.sipUri}`),
      });
    }
    if (transition.principal !== undefined) {
      const { before, after, guards } = transition.principal;
      writes.push(...principalWrites(this.table, tenantId, before, after, guards));
    }
    await this.table.transact(writes);
    return next;
  }

  /** Records the last delivery attempt of an event about this user (progress shows it). */
  async recordDelivery(tenantId: string, item: Pick<MigrationUser, 'migrationId' | 'sipUri'>, delivery: DeliveryAttempt): Promise<void> {
    try {
      await this.table.call((client) =>
        client.send(
          new UpdateItemCommand({
            TableName: this.table.tableName,
            Key: toKey(keys.migrationUser(tenantId, item.migrationId, item.sipUri)),
            // The version moves too, so a transition decided on the older item re-reads it.
            UpdateExpression: 'SET lastDelivery = :delivery ADD #version :one',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: marshall({ ':delivery': delivery, ':one': 1 }),
          }),
        ),
      );
    } catch (error) {
      // The migration user may have been removed with an undone migration: nothing to record.
      if (!(error instanceof ExumError && error.cause instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Moves a running migration to its next wave once the current one has settled, or completes
   * it after the last. Conditional on the wave read, so concurrent callers advance it once.
   */
  async advanceWave(tenantId: string, migration: Migration, at: string): Promise<Migration> {
    const last = migration.currentWave >= migration.waveCount;
    const next: Migration = {
      ...migration,
      currentWave: last ? migration.currentWave : migration.currentWave + 1,
      state: last ? 'completed' : migration.state,
      version: migration.version + 1,
      updatedAt: at,
    };
    await this.replaceMigration(tenantId, migration, next, { onlyWhileRunning: true });
    return next;
  }

  /** Replaces the migration record (state changes such as cancel), conditional on its version. */
  async updateMigration(tenantId: string, before: Migration, after: Migration): Promise<void> {
    await this.replaceMigration(tenantId, before, after, { onlyWhileRunning: false });
  }

  /** Ends an enrollment (running from wave 1, or refused), conditional on the version read while enrolling. */
  async endEnrollment(tenantId: string, before: Migration, after: Migration): Promise<void> {
    await this.replaceMigration(tenantId, before, after, { whileState: 'enrolling' });
  }

  private async replaceMigration(
    tenantId: string,
    before: Migration,
    after: Migration,
    options: { onlyWhileRunning?: boolean; whileState?: Migration['state'] },
  ): Promise<void> {
    const state = options.whileState ?? (options.onlyWhileRunning === true ? 'running' : undefined);
    await this.table.transact([
      {
        write: this.table.put(migrationItem(tenantId, after), {
          ConditionExpression: state === undefined ? '#version = :version' : '#version = :version AND #state = :state',
          ExpressionAttributeNames: { '#version': 'version', ...(state === undefined ? {} : { '#state': 'state' }) },
          ExpressionAttributeValues: marshall({ ':version': before.version, ...(state === undefined ? {} : { ':state': state }) }),
        }),
        onConditionFailed: () => new StaleReadError('migration changed'),
      },
    ]);
  }
}

/** A migration record, listed newest first by its creation time. */
const migrationItem = (tenantId: string, migration: Migration): Item =>
  toItem(keys.migration(tenantId, migration.id), 'migration', migration, {
    gsi1pk: listPartitions.migrations(tenantId),
    gsi1sk: `${migration.createdAt}#${migration.id}`,
  });
