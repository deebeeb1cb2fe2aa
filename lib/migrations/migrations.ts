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
import { ExumError, notFound, refused } from '../errors.js';
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
 * safe. A cancelled migration is not answered again: the request starts a new one.
 */
export const START_REQUEST_REMEMBERED_SECONDS = 15 * 60;

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
  return migration === undefined || migration.state === 'cancelled'
    ? { answer: undefined, replaces: id }
    : { answer: migration, replaces: id };
}

/** Wave 0 → 1: the stream processor sees it and requests the first wave's users. Once, whoever asks. */
async function startFirstWave(deps: MigrationDeps, tenantId: string, id: string): Promise<Migration> {
  return untilWritten(async () => {
    const migration = await findMigration(deps, tenantId, id);
    if (migration.state !== 'running' || migration.currentWave !== 0) return migration;
    return deps.migrations.advanceWave(tenantId, migration, deps.now().toISOString());
  });
}

/** The answer to a request made again: the migration it created, its first wave started if the first answer was lost before. */
async function answerAgain(deps: MigrationDeps, tenantId: string, earlier: Migration, dryRun: boolean) {
  const warnings = [`the same request started migration ${earlier.id} at ${earlier.createdAt}; nothing new was started`];
  if (dryRun) return { dryRun: true as const, changes: [], warnings };
  // A migration whose users are not all written yet is still being created (or undone) by the first request.
  const complete = earlier.currentWave !== 0 || (await deps.migrations.usersOf(tenantId, earlier.id)).length === earlier.userCount;
  return { dryRun: false as const, record: complete ? await startFirstWave(deps, tenantId, earlier.id) : earlier, warnings };
}

export async function startMigration(deps: MigrationDeps, actor: Actor, tenantId: string, input: MigrationCreate, options: WriteOptions) {
  const now = deps.now();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const fingerprint = fingerprintOf(tenantId, actor, input);
  // Every read at once; their refusals are raised below in the order the checks have always had.
  const selecting = selectUsers(deps, tenantId, input);
  const claiming = input.users === undefined ? undefined : deps.migrations.findOpenClaims(tenantId, input.users);
  // Not dropped: each is awaited below, where its error is thrown. These only keep a read that fails
  // after an earlier refusal from being reported as an unhandled rejection.
  selecting.catch(() => undefined);
  claiming?.catch(() => undefined);
  const [config, earlier] = await Promise.all([loadConfig(deps, tenantId), earlierStart(deps, tenantId, fingerprint, nowSeconds)]);
  if (earlier.answer !== undefined) return answerAgain(deps, tenantId, earlier.answer, options.dryRun);

  const provider = config.providers.get(input.providerId);
  if (provider === undefined) throw refused('providerId', 'provider-exists', `hosting provider ${input.providerId} does not exist`);
  if (input.grantPolicy !== undefined && !config.policies.has(`tag:${input.grantPolicy}`)) {
    throw refused('grantPolicy', 'policy-exists', `hosted voicemail policy tag:${input.grantPolicy} does not exist`);
  }
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
  const claims = await (claiming ??
    deps.migrations.findOpenClaims(
      tenantId,
      users.map((user) => user.sipUri),
    ));
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

  const waves = planWaves(users, input.waveSize);
  const migration: Migration = stamp(
    {
      id: newMigrationId(),
      providerId: provider.id,
      grantPolicy: input.grantPolicy ?? null,
      waveSize: input.waveSize,
      state: 'running' as const,
      currentWave: 0,
      waveCount: waves.length,
      userCount: users.length,
    },
    null,
    actor,
    now,
  );
  const items: MigrationUser[] = waves.flatMap((wave, index) =>
    wave.map((user): MigrationUser => ({
      migrationId: migration.id,
      providerId: provider.id,
      sipUri: user.sipUri,
      lineUri: user.lineUri,
      displayName: user.displayName,
      ...destinations.get(user.sipUri)!,
      wave: index + 1,
      state: 'pending',
      steps: { addedAt: now.toISOString(), requestedAt: null, completedAt: null, failedAt: null, rolledBackAt: null, cancelledAt: null },
      failureReason: null,
      lastDelivery: null,
      version: 1,
    })),
  );
  if (options.dryRun) {
    return {
      dryRun: true as const,
      changes: [
        {
          action: 'create' as const,
          type: 'migration',
          id: migration.id,
          before: null,
          after: { ...withoutMeta(migration), waves: waves.map((wave) => wave.map((user) => user.sipUri)) },
        },
      ],
      warnings: [],
    };
  }
  try {
    await deps.migrations.createMigration(tenantId, migration, items, {
      fingerprint,
      nowSeconds,
      expiresAt: nowSeconds + START_REQUEST_REMEMBERED_SECONDS,
      replaces: earlier.replaces,
    });
  } catch (error) {
    // The same request made meanwhile won: answer its migration.
    if (!(error instanceof RequestAlreadyMadeError)) throw error;
    return answerAgain(deps, tenantId, await findMigration(deps, tenantId, error.migrationId), false);
  }
  return { dryRun: false as const, record: await startFirstWave(deps, tenantId, migration.id), warnings: [] };
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
