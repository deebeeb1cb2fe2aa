// Use cases of migrations to a hosted provider (domain reference, section 5):
//   start → users pending in waves; the stream processor requests wave 1 (activateWave);
//   the provider answers each user (ready: its flag goes true and routing flips; failed);
//   when a wave has settled the stream processor advances to the next (advanceIfSettled);
//   an admin can roll users back or cancel what is still pending.
import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from '../domain/credential.js';
import { providersServing } from '../domain/hosting-provider.js';
import {
  countByState,
  OPEN_USER_STATES,
  planWaves,
  type Migration,
  type MigrationCreate,
  type MigrationUser,
  type ProviderAnswer,
} from '../domain/migration.js';
import type { User } from '../domain/user.js';
import { effectivePolicy } from '../domain/voicemail-policy.js';
import { ExumError, notFound, refused, statusOf } from '../errors.js';
import { loadConfig } from '../management/tenant-configuration.js';
import { stamp, untilWritten, withoutMeta, type ManagementDeps, type WriteOptions } from '../management/write-context.js';
import { RequestAlreadyMadeError, type MigrationStore } from '../store/migration-store.js';

export interface MigrationDeps extends ManagementDeps {
  migrations: MigrationStore;
}

const newMigrationId = () => `mig_${randomBytes(9).toString('base64url')}`;

async function selectUsers(deps: MigrationDeps, tenantId: string, input: MigrationCreate): Promise<User[]> {
  if (input.users !== undefined) {
    // All in batch reads (100 a request): one read a user made 200 users cost seconds under load.
    const principals = await deps.store.principals.getMany(tenantId, input.users);
    return input.users.map((sipUri, index) => {
      const principal = principals.get(sipUri);
      if (principal?.type !== 'user') throw refused(`users.${index}`, 'user-exists', `${sipUri} is not a user of this tenant`);
      return principal;
    });
  }
  const { site, domain, lineUriPrefix } = input.filter ?? {};
  const users: User[] = [];
  let cursor: string | null = null;
  do {
    const page = await deps.store.principals.list(
      tenantId,
      'user',
      { ...(site === undefined ? {} : { site }), ...(lineUriPrefix === undefined ? {} : { lineUri: `${lineUriPrefix}*` }) },
      cursor,
      500,
    );
    users.push(...(page.items as User[]).filter((user) => domain === undefined || user.sipUri.endsWith(`@${domain}`)));
    cursor = page.nextCursor;
  } while (cursor !== null);
  if (users.length === 0) throw refused('filter', 'users-selected', 'the filter selects no user');
  return users;
}

/**
 * How long a start request is remembered: the same request again (same credential, same body)
 * within it answers the migration the first one created, so a retry after a timeout or a 503 is
 * safe, with or without an Idempotency-Key. A cancelled or refused migration is not answered
 * again: the request starts a new one.
 */
export const START_REQUEST_REMEMBERED_SECONDS = 15 * 60;

/**
 * At most this many users, listed by address, are checked and enrolled within the start request
 * (201, the migration running). More users, or a filter, are accepted at once (202 and a
 * Location): the stream processor checks and enrolls them (enrollMigration), and the migration
 * shows `enrolling` until it runs or is refused. Either way the request's work is bounded: the
 * checks of 100 users are two batch reads, their enrollment three transactions.
 */
export const ENROLLED_IN_THE_REQUEST = 100;

const fingerprintOf = (tenantId: string, actor: Actor, input: MigrationCreate): string =>
  createHash('sha256')
    .update(
      JSON.stringify([
        tenantId,
        actor.credentialId,
        input.users ?? null,
        input.filter === undefined ? null : [input.filter.site ?? null, input.filter.domain ?? null, input.filter.lineUriPrefix ?? null],
        input.providerId,
        input.grantPolicy ?? null,
        input.waveSize,
      ]),
    )
    .digest('base64url');

/** The migration this request created before, if it is remembered (and whether it may be answered). */
async function earlierStart(deps: MigrationDeps, tenantId: string, fingerprint: string, nowSeconds: number) {
  const id = await deps.migrations.findMigrationRequest(tenantId, fingerprint, nowSeconds);
  if (id === undefined) return { answer: undefined, replaces: null };
  const migration = await deps.migrations.getMigration(tenantId, id);
  return migration === undefined || migration.state === 'cancelled' || migration.state === 'refused'
    ? { answer: undefined, replaces: id }
    : { answer: migration, replaces: id };
}

/** The answer to a request made again: the migration it created (still enrolling, or running and beyond). */
function answerAgain(earlier: Migration, dryRun: boolean) {
  const warnings = [`the same request started migration ${earlier.id} at ${earlier.createdAt}; nothing new was started`];
  if (dryRun) return { dryRun: true as const, changes: [], warnings };
  return { dryRun: false as const, record: earlier, warnings };
}

type Config = Awaited<ReturnType<typeof loadConfig>>;

/** The provider and the policy to grant: cheap checks, made in the request whatever the size. */
function checkProvider(config: Config, input: Pick<MigrationCreate, 'providerId' | 'grantPolicy'>) {
  const provider = config.providers.get(input.providerId);
  if (provider === undefined) throw refused('providerId', 'provider-exists', `hosting provider ${input.providerId} does not exist`);
  if (input.grantPolicy !== undefined && !config.policies.has(`tag:${input.grantPolicy}`)) {
    throw refused('grantPolicy', 'policy-exists', `hosted voicemail policy tag:${input.grantPolicy} does not exist`);
  }
  return provider;
}

interface CheckedUsers {
  users: User[];
  destinations: Map<string, { destination: string; organizations: string[] }>;
}

/**
 * What a start checks of its users, for all of them with batch reads: each exists, each one's
 * effective policy (with the grant) reaches the provider, none is in another open migration
 * (claims of `ownMigration`, an enrollment carried out again, are its own). Throws the refusal.
 */
async function checkUsers(
  deps: MigrationDeps,
  tenantId: string,
  input: MigrationCreate,
  config: Config,
  ownMigration: string | null,
): Promise<CheckedUsers> {
  const provider = checkProvider(config, input);
  // Both reads at once; their refusals are raised below in the order the checks have always had.
  const selecting = selectUsers(deps, tenantId, input);
  const claiming = input.users === undefined ? undefined : deps.migrations.findOpenClaims(tenantId, input.users);
  // Not dropped: each is awaited below, where its error is thrown. These only keep a read that fails
  // after an earlier refusal from being reported as an unhandled rejection.
  selecting.catch(() => undefined);
  claiming?.catch(() => undefined);
  const users = await selecting;

  // Each user, once granted, must reach this provider; else "ready" would route elsewhere.
  const destinations = new Map<string, { destination: string; organizations: string[] }>();
  users.forEach((user, index) => {
    const policy = effectivePolicy(
      { site: user.site, hostedVoicemailPolicy: input.grantPolicy ?? user.hostedVoicemailPolicy },
      config.policies,
    );
    const serving = policy?.destination == null ? [] : providersServing(policy.destination, [...config.providers.values()]);
    if (serving.length !== 1 || serving[0]!.id !== provider.id) {
      throw refused(
        input.users === undefined ? 'filter' : `users.${index}`,
        'provider-serves-destination',
        `${user.sipUri}: its effective policy (${policy?.id ?? 'none'}) does not send voicemail to ${provider.id}; grant a policy that does (grantPolicy)`,
      );
    }
    destinations.set(user.sipUri, { destination: policy!.destination!, organizations: policy!.organizations });
  });
  const found = await (claiming ??
    deps.migrations.findOpenClaims(
      tenantId,
      users.map((user) => user.sipUri),
    ));
  const claims = new Map([...found].filter(([, migrationId]) => migrationId !== ownMigration));
  if (claims.size > 0) {
    throw new ExumError(
      'conflict',
      `${claims.size} of these users are already in an open migration`,
      users.flatMap((user, index) => {
        const other = claims.get(user.sipUri);
        return other === undefined
          ? []
          : [
              {
                field: input.users === undefined ? 'filter' : `users.${index}`,
                rule: 'one-open-migration-per-user',
                message: `${user.sipUri} is already in migration ${other}`,
              },
            ];
      }),
    );
  }
  return { users, destinations };
}

/** The migration's users, pending in their waves. */
function usersOfMigration(migration: Migration, checked: CheckedUsers, now: Date): MigrationUser[] {
  return planWaves(checked.users, migration.waveSize).flatMap((wave, index) =>
    wave.map((user): MigrationUser => ({
      migrationId: migration.id,
      providerId: migration.providerId,
      sipUri: user.sipUri,
      lineUri: user.lineUri,
      displayName: user.displayName,
      ...checked.destinations.get(user.sipUri)!,
      wave: index + 1,
      state: 'pending',
      steps: { addedAt: now.toISOString(), requestedAt: null, completedAt: null, failedAt: null, rolledBackAt: null, cancelledAt: null },
      failureReason: null,
      lastDelivery: null,
      version: 1,
    })),
  );
}

/** A refusal, as opposed to a store that did not answer: the migration ends refused with it. */
const isRefusal = (error: unknown): error is ExumError => error instanceof ExumError && statusOf(error.code) < 500;

/**
 * Ends an enrolling migration refused: the refusal recorded on it (status, detail, each user and
 * rule), then whatever it had enrolled removed, so nobody is left claimed (again after a fault).
 */
async function refuseEnrollment(deps: MigrationDeps, tenantId: string, id: string, refusal: ExumError): Promise<void> {
  await untilWritten(async () => {
    const current = await findMigration(deps, tenantId, id);
    if (current.state !== 'enrolling') return;
    const after: Migration = {
      ...current,
      state: 'refused',
      refusal: { status: statusOf(refusal.code), detail: refusal.message, errors: [...refusal.issues] },
      version: current.version + 1,
      updatedAt: deps.now().toISOString(),
    };
    await deps.migrations.endEnrollment(tenantId, current, after);
  });
  const migration = await findMigration(deps, tenantId, id);
  if (migration.state === 'refused') await deps.migrations.releaseUsers(tenantId, migration, await deps.migrations.usersOf(tenantId, id));
}

/**
 * Enrolls checked users in an enrolling migration and starts it (running, wave 1: the stream
 * processor requests its users). Idempotent: whoever finishes first starts it; the other finds it
 * started. A user claimed meanwhile by another migration refuses it (and the refusal is thrown).
 */
async function enrollChecked(deps: MigrationDeps, tenantId: string, migration: Migration, checked: CheckedUsers): Promise<Migration> {
  const items = usersOfMigration(migration, checked, deps.now());
  try {
    await deps.migrations.enrollUsers(tenantId, migration, items);
  } catch (error) {
    if (isRefusal(error)) await refuseEnrollment(deps, tenantId, migration.id, error);
    throw error;
  }
  return untilWritten(async () => {
    const current = await findMigration(deps, tenantId, migration.id);
    if (current.state !== 'enrolling') return current;
    const after: Migration = {
      ...current,
      state: 'running',
      currentWave: 1,
      waveCount: Math.ceil(items.length / current.waveSize),
      userCount: items.length,
      version: current.version + 1,
      updatedAt: deps.now().toISOString(),
    };
    await deps.migrations.endEnrollment(tenantId, current, after);
    return after;
  });
}

/**
 * Starts a migration. Few users listed by address (ENROLLED_IN_THE_REQUEST): checked and enrolled
 * here, refused at once (nothing written) or answered running. Otherwise: the provider and policy
 * checked, the migration written `enrolling` with what it is to enroll, and answered at once; the
 * stream processor enrolls it (enrollMigration). A dry run checks everything, for all users.
 */
export async function startMigration(deps: MigrationDeps, actor: Actor, tenantId: string, input: MigrationCreate, options: WriteOptions) {
  const now = deps.now();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const fingerprint = fingerprintOf(tenantId, actor, input);
  const [config, earlier] = await Promise.all([loadConfig(deps, tenantId), earlierStart(deps, tenantId, fingerprint, nowSeconds)]);
  const small = input.users !== undefined && input.users.length <= ENROLLED_IN_THE_REQUEST;
  /** The migration the same request made: a small one still enrolling (its request lost, or still at it) is enrolled here too. */
  const again = async (made: Migration) => {
    if (options.dryRun || !small || made.state !== 'enrolling') return answerAgain(made, options.dryRun);
    try {
      return answerAgain(await enrollChecked(deps, tenantId, made, await checkUsers(deps, tenantId, input, config, made.id)), false);
    } catch (error) {
      if (isRefusal(error)) await refuseEnrollment(deps, tenantId, made.id, error);
      throw error;
    }
  };
  if (earlier.answer !== undefined) return again(earlier.answer);

  const provider = checkProvider(config, input);
  const checked = options.dryRun || small ? await checkUsers(deps, tenantId, input, config, null) : undefined;
  const userCount = checked?.users.length ?? input.users?.length ?? 0;
  const migration: Migration = stamp(
    {
      id: newMigrationId(),
      providerId: provider.id,
      grantPolicy: input.grantPolicy ?? null,
      waveSize: input.waveSize,
      state: 'enrolling' as const,
      currentWave: 0,
      waveCount: Math.ceil(userCount / input.waveSize),
      userCount,
      refusal: null,
    },
    null,
    actor,
    now,
  );
  if (options.dryRun) {
    const waves = planWaves(checked!.users, input.waveSize);
    return {
      dryRun: true as const,
      changes: [
        {
          action: 'create' as const,
          type: 'migration',
          id: migration.id,
          before: null,
          after: {
            ...withoutMeta({ ...migration, state: 'running' as const }),
            waves: waves.map((wave) => wave.map((user) => user.sipUri)),
          },
        },
      ],
      warnings: [],
    };
  }
  try {
    await deps.migrations.createMigration(
      tenantId,
      migration,
      input.users === undefined ? { filter: { ...input.filter } } : { users: input.users },
      { fingerprint, nowSeconds, expiresAt: nowSeconds + START_REQUEST_REMEMBERED_SECONDS, replaces: earlier.replaces },
    );
  } catch (error) {
    // The same request made meanwhile won (or this one's own write, its answer lost and sent again): answer its migration.
    if (!(error instanceof RequestAlreadyMadeError)) throw error;
    return again(await findMigration(deps, tenantId, error.migrationId));
  }
  if (checked === undefined) return { dryRun: false as const, record: migration, warnings: [] };
  return { dryRun: false as const, record: await enrollChecked(deps, tenantId, migration, checked), warnings: [] };
}

/**
 * The enrollment of an accepted migration, by the stream processor: the checks of a start for
 * all its users, then their items and claims, then wave 1. Idempotent and resumable (a fault
 * brings the stream record back and it is carried out again). A refusal ends the migration
 * refused, with the reasons, nobody left claimed; it is not an error of the stream.
 */
export async function enrollMigration(deps: MigrationDeps, tenantId: string, id: string): Promise<void> {
  const migration = await deps.migrations.getMigration(tenantId, id);
  if (migration?.state === 'refused') {
    // Refused, and perhaps not yet released when a fault interrupted it: release (again).
    await deps.migrations.releaseUsers(tenantId, migration, await deps.migrations.usersOf(tenantId, id));
    return;
  }
  if (migration?.state !== 'enrolling') return;
  const enrollment = await deps.migrations.enrollmentOf(tenantId, id);
  if (enrollment === undefined) return;
  const input = {
    ...enrollment,
    providerId: migration.providerId,
    ...(migration.grantPolicy === null ? {} : { grantPolicy: migration.grantPolicy }),
    waveSize: migration.waveSize,
  };
  let checked: CheckedUsers;
  try {
    checked = await checkUsers(deps, tenantId, input, await loadConfig(deps, tenantId), id);
  } catch (error) {
    if (!isRefusal(error)) throw error;
    await refuseEnrollment(deps, tenantId, id, error);
    return;
  }
  try {
    await enrollChecked(deps, tenantId, migration, checked);
  } catch (error) {
    // A refusal met while enrolling: enrollChecked refused the migration.
    if (!isRefusal(error)) throw error;
  }
}

async function findMigration(deps: MigrationDeps, tenantId: string, id: string): Promise<Migration> {
  const migration = await deps.migrations.getMigration(tenantId, id);
  if (migration === undefined) throw notFound(`migration ${id}`);
  return migration;
}

/** A user as progress shows it: without what the migration already says, nor the store's version. */
function progressOfUser(item: MigrationUser): Omit<MigrationUser, 'migrationId' | 'providerId' | 'version'> {
  const user: Partial<MigrationUser> = { ...item };
  delete user.migrationId;
  delete user.providerId;
  delete user.version;
  return user as Omit<MigrationUser, 'migrationId' | 'providerId' | 'version'>;
}

/** Progress: counts per state over all users, and a page of users with the time of each step. */
export async function getMigrationProgress(deps: MigrationDeps, tenantId: string, id: string, cursor: string | null, limit: number) {
  const migration = await findMigration(deps, tenantId, id);
  const all = await deps.migrations.usersOf(tenantId, id);
  const page = await deps.migrations.listMigrationUsers(tenantId, id, cursor, limit);
  return {
    migration,
    counts: countByState(all),
    users: page.items.map(progressOfUser),
    nextCursor: page.nextCursor,
  };
}

export const listMigrations = (deps: MigrationDeps, tenantId: string, cursor: string | null, limit: number) =>
  deps.migrations.listMigrations(tenantId, cursor, limit);

async function findMigrationUser(deps: MigrationDeps, tenantId: string, migration: Migration, sipUri: string): Promise<MigrationUser> {
  const item = await deps.migrations.getMigrationUser(tenantId, migration.id, sipUri);
  if (item === undefined) throw notFound(`user ${sipUri} in migration ${migration.id}`);
  return item;
}

async function currentUser(deps: MigrationDeps, tenantId: string, sipUri: string): Promise<User> {
  const principal = await deps.store.principals.get(tenantId, sipUri);
  if (principal?.type !== 'user') throw refused('sipUri', 'user-exists', `${sipUri} is no longer a user of this tenant`);
  return principal;
}

/**
 * The provider's answer for one user. Idempotent: the same answer again changes nothing and
 * answers the same; a contradicting answer is refused.
 */
export async function answerMigration(
  deps: MigrationDeps,
  actor: Actor,
  tenantId: string,
  id: string,
  sipUri: string,
  answer: ProviderAnswer,
): Promise<MigrationUser> {
  return untilWritten(async () => {
    const migration = await findMigration(deps, tenantId, id);
    if (actor.role !== 'provider' || actor.providerId !== migration.providerId) {
      throw new ExumError('forbidden', `migration ${id} is answered by provider ${migration.providerId} only`, [
        { field: 'Authorization', rule: 'own-provider-only', message: 'another provider’s migration' },
      ]);
    }
    const item = await findMigrationUser(deps, tenantId, migration, sipUri);
    const wanted = answer.status === 'ready' ? 'completed' : 'failed';
    if (item.state === wanted) return item;
    if (item.state !== 'requested') {
      throw refused(
        'status',
        'answer-to-requested-user',
        `${sipUri} is ${item.state} in migration ${id}; only a requested user can be answered`,
      );
    }
    const at = deps.now();
    if (answer.status === 'failed') {
      return deps.migrations.transition(tenantId, {
        item,
        to: 'failed',
        at: at.toISOString(),
        failureReason: answer.reason ?? 'unspecified',
        releaseClaim: true,
      });
    }
    const user = await currentUser(deps, tenantId, sipUri);
    const after = stamp({ ...withoutMeta(user)!, hostedVoicemail: { ...user.hostedVoicemail, provider: true } }, user, actor, at) as User;
    return deps.migrations.transition(tenantId, {
      item,
      to: 'completed',
      at: at.toISOString(),
      principal: { before: user, after, guards: [] },
      releaseClaim: true,
    });
  });
}

/** Rolls users back: completed ones get their provider flag cleared; requested ones are withdrawn. */
export async function rollbackMigration(
  deps: MigrationDeps,
  actor: Actor,
  tenantId: string,
  id: string,
  sipUris: readonly string[] | undefined,
) {
  const migration = await findMigration(deps, tenantId, id);
  // Named users must all be in the migration: nothing is rolled back otherwise.
  for (const [index, sipUri] of (sipUris ?? []).entries()) {
    if ((await deps.migrations.getMigrationUser(tenantId, id, sipUri)) === undefined) {
      throw new ExumError('not-found', `${sipUri} is not in migration ${id}`, [
        { field: `users.${index}`, rule: 'in-migration', message: 'not a user of this migration' },
      ]);
    }
  }
  const targets =
    sipUris ??
    (await deps.migrations.usersOf(tenantId, id))
      .filter((user) => user.state === 'completed' || user.state === 'requested')
      .map((user) => user.sipUri);
  const rolledBack: string[] = [];
  const skipped: { sipUri: string; state: string }[] = [];
  for (const sipUri of targets) {
    const outcome = await untilWritten(async () => {
      const item = await findMigrationUser(deps, tenantId, migration, sipUri);
      if (item.state !== 'completed' && item.state !== 'requested') return item.state;
      const at = deps.now();
      if (item.state === 'requested') {
        await deps.migrations.transition(tenantId, { item, to: 'rolled-back', at: at.toISOString(), releaseClaim: true });
        return 'rolled-back';
      }
      const user = await currentUser(deps, tenantId, sipUri);
      const after = stamp({ ...withoutMeta(user)!, hostedVoicemail: { ...user.hostedVoicemail, provider: null } }, user, actor, at) as User;
      await deps.migrations.transition(tenantId, {
        item,
        to: 'rolled-back',
        at: at.toISOString(),
        principal: { before: user, after, guards: [] },
        releaseClaim: false,
      });
      return 'rolled-back';
    });
    if (outcome === 'rolled-back') rolledBack.push(sipUri);
    else skipped.push({ sipUri, state: outcome });
  }
  return { rolledBack, skipped };
}

/** Cancels a running migration: no further waves, pending users cancelled; requested ones may still be answered. */
export async function cancelMigration(deps: MigrationDeps, actor: Actor, tenantId: string, id: string) {
  const cancelled = await untilWritten(async () => {
    const migration = await findMigration(deps, tenantId, id);
    if (migration.state !== 'running') throw refused('state', 'running-migration', `migration ${id} is ${migration.state}`);
    const after = { ...stamp(withoutMeta(migration)!, migration, actor, deps.now()), state: 'cancelled' as const } as Migration;
    await deps.migrations.updateMigration(tenantId, migration, after);
    return after;
  });
  for (const item of await deps.migrations.usersOf(tenantId, id)) {
    if (item.state !== 'pending') continue;
    await untilWritten(async () => {
      const current = await findMigrationUser(deps, tenantId, cancelled, item.sipUri);
      if (current.state !== 'pending') return;
      await deps.migrations.transition(tenantId, { item: current, to: 'cancelled', at: deps.now().toISOString(), releaseClaim: true });
    });
  }
  return cancelled;
}

// --- driven by the stream processor ----------------------------------------------------------

const STREAM_ACTOR: Actor = { credentialId: 'stream-processor', role: 'operator', tenantId: null, providerId: null };

/** Users requested at once when a wave starts. */
const ACTIVATION_CONCURRENCY = 8;

/** Requests the pending users of the migration's current wave (granting its policy if any). Idempotent. */
export async function activateWave(deps: MigrationDeps, tenantId: string, migrationId: string): Promise<void> {
  const migration = await deps.migrations.getMigration(tenantId, migrationId);
  if (migration === undefined || migration.state !== 'running' || migration.currentWave === 0) return;
  const config = await loadConfig(deps, tenantId);
  const grant = migration.grantPolicy;
  const policy = grant === null ? undefined : config.policies.get(`tag:${grant}`);
  const pending = (await deps.migrations.usersOf(tenantId, migrationId, migration.currentWave)).filter((item) => item.state === 'pending');

  const request = async (listed: MigrationUser) => {
    let item: MigrationUser | undefined = listed;
    await untilWritten(async () => {
      // The listed item first; after a lost race, the item as it is now.
      item ??= await deps.migrations.getMigrationUser(tenantId, migrationId, listed.sipUri);
      const current = item;
      item = undefined;
      if (current?.state !== 'pending') return;
      const at = deps.now().toISOString();
      const user = await deps.store.principals.get(tenantId, current.sipUri);
      if (user?.type !== 'user') {
        await deps.migrations.transition(tenantId, {
          item: current,
          to: 'failed',
          at,
          failureReason: 'the user no longer exists',
          releaseClaim: true,
        });
        return;
      }
      if (grant === null || user.hostedVoicemailPolicy === grant) {
        await deps.migrations.transition(tenantId, { item: current, to: 'requested', at, releaseClaim: false });
        return;
      }
      if (policy === undefined) {
        await deps.migrations.transition(tenantId, {
          item: current,
          to: 'failed',
          at,
          failureReason: `policy tag:${grant} no longer exists`,
          releaseClaim: true,
        });
        return;
      }
      const after = stamp({ ...withoutMeta(user)!, hostedVoicemailPolicy: grant }, user, STREAM_ACTOR, deps.now()) as User;
      await deps.migrations.transition(tenantId, {
        item: current,
        to: 'requested',
        at,
        releaseClaim: false,
        principal: { before: user, after, guards: [{ id: policy.id, version: policy.version }] },
      });
    });
  };
  for (let start = 0; start < pending.length; start += ACTIVATION_CONCURRENCY) {
    await Promise.all(pending.slice(start, start + ACTIVATION_CONCURRENCY).map(request));
  }
  await advanceIfSettled(deps, tenantId, migrationId);
}

/** Advances the migration when no user of its current wave is still pending or requested. */
export async function advanceIfSettled(deps: MigrationDeps, tenantId: string, migrationId: string): Promise<void> {
  await untilWritten(async () => {
    const migration = await deps.migrations.getMigration(tenantId, migrationId);
    if (migration === undefined || migration.state !== 'running' || migration.currentWave === 0) return;
    const wave = await deps.migrations.usersOf(tenantId, migrationId, migration.currentWave);
    if (wave.some((user) => OPEN_USER_STATES.includes(user.state))) return;
    await deps.migrations.advanceWave(tenantId, migration, deps.now().toISOString());
  });
}
