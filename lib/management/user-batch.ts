// Users created or updated many at a time (bulk import, declarative apply): the same rules as
// one write, decided on one configuration snapshot and written together in few transactions.
// Each row is answered on its own, so one bad row never stops the good ones.
import { isDeepStrictEqual } from 'node:util';
import type { Actor } from '../domain/credential.js';
import type { Principal } from '../domain/principal.js';
import type { User, UserUpsert } from '../domain/user.js';
import type { TenantConfig } from '../domain/tenant-config.js';
import { duplicate, ExumError, type FieldIssue } from '../errors.js';
import type { PrincipalChange } from '../store/changes.js';
import { StaleReadError } from '../store/sdk-errors.js';
import { adminFlagWarnings, checkPrincipal, dedupeGuards, forbidProviderFlag, mergeUserPatch, type Fields } from './principals.js';
import { loadConfig } from './tenant-configuration.js';
import { stamp, withoutMeta, type ManagementDeps } from './write-context.js';

/** Rows per request: what one API call may carry (a few hundred kilobytes). */
export const MAX_BATCH_ROWS = 500;

/** A row as the API received it: parsed, or already refused with the fields at fault. */
export type BatchRow = { index: number; user: UserUpsert } | { index: number; sipUri: string | null; issues: FieldIssue[] };

export type BatchOutcome = 'created' | 'updated' | 'unchanged' | 'failed';

export interface BatchRowResult {
  index: number;
  sipUri: string | null;
  outcome: BatchOutcome;
  /** The user's version after the row (absent when failed). */
  version?: number;
  errors?: FieldIssue[];
  warnings?: string[];
}

/** Each round lets at least one of the racing writers through, as for single writes. */
const ATTEMPTS = 12;

/** What a new user is before a row's fields apply: the creation defaults of POST /users. */
const NEW_USER: Omit<Fields<User>, 'sipUri'> = {
  type: 'user',
  displayName: null,
  lineUri: null,
  enabled: true,
  enterpriseVoiceEnabled: false,
  site: null,
  registrarPool: null,
  hostedVoicemailPolicy: null,
  onPremisesUm: { enabled: false, dialPlan: null },
  hostedVoicemail: { admin: null, provider: null },
};

interface Decided {
  index: number;
  change: PrincipalChange & { after: User };
  warnings: string[];
}

/**
 * Creates or updates users, one result per row, in the rows' order:
 *   1. rows refused by the schema, and a SIP address or number given twice, fail at once;
 *   2. the configuration and the users named are read once (a batch read);
 *   3. each row is decided with the rules of a single write (tenant domain, granted tag exists,
 *      hosted voicemail needs a destination, only the provider writes its flag); rows that change
 *      nothing are answered `unchanged` and not written;
 *   4. the rest are written together; a claim already taken fails its row; a row that lost a
 *      race is decided again from 2.
 */
export async function upsertUsers(
  deps: ManagementDeps,
  actor: Actor,
  tenantId: string,
  rows: readonly BatchRow[],
  options: { dryRun: boolean },
): Promise<BatchRowResult[]> {
  const results = new Map<number, BatchRowResult>();
  const fail = (index: number, sipUri: string | null, errors: FieldIssue[]) =>
    results.set(index, { index, sipUri, outcome: 'failed', errors });

  const seen = new Set<string>();
  let pending: { index: number; user: UserUpsert }[] = [];
  for (const row of rows) {
    if ('issues' in row) {
      fail(row.index, row.sipUri, row.issues);
    } else if (seen.has(row.user.sipUri)) {
      fail(row.index, row.user.sipUri, [
        { field: 'sipUri', rule: 'unique-in-batch', message: `${row.user.sipUri} is also in an earlier row of this batch` },
      ]);
    } else {
      seen.add(row.user.sipUri);
      pending.push(row);
    }
  }

  // Rows whose creation was refused for a claim and are decided once more (mayBeCreatedMeanwhile).
  const decidedAgain = new Set<number>();
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    const config = await loadConfig(deps, tenantId);
    const current = await deps.store.principals.getMany(
      tenantId,
      pending.map(({ user }) => user.sipUri),
    );
    const decided: Decided[] = [];
    const numberClaimedBy = new Map<string, string>();
    for (const { index, user } of pending) {
      try {
        const decision = decideRow(user, current.get(user.sipUri) ?? null, config, actor, deps.now());
        if (decision.after === null) {
          results.set(index, { index, sipUri: user.sipUri, outcome: 'unchanged', version: decision.before.version });
          continue;
        }
        // Two rows claiming one number: the first keeps it (the store refuses claims of numbers already held).
        const lineUri = decision.after.lineUri;
        if (lineUri !== null && lineUri !== decision.before?.lineUri) {
          const claimant = numberClaimedBy.get(lineUri);
          if (claimant !== undefined) throw duplicateInBatch('lineUri', lineUri, claimant);
          numberClaimedBy.set(lineUri, user.sipUri);
        }
        decided.push({
          index,
          change: { before: decision.before, after: decision.after, guards: decision.guards },
          warnings: decision.warnings,
        });
      } catch (error) {
        if (!(error instanceof ExumError)) throw error;
        fail(index, user.sipUri, issuesOf(error));
      }
    }

    const answer = (entry: Decided) =>
      results.set(entry.index, {
        index: entry.index,
        sipUri: entry.change.after.sipUri,
        outcome: entry.change.before === null ? 'created' : 'updated',
        version: entry.change.after.version,
        ...(entry.warnings.length > 0 ? { warnings: entry.warnings } : {}),
      });

    if (options.dryRun) {
      const taken = await deps.store.principals.findTakenClaimsTogether(
        tenantId,
        decided.map(({ change }) => change),
      );
      decided.forEach((entry, position) => {
        const error = taken[position];
        if (error === undefined) answer(entry);
        else fail(entry.index, entry.change.after.sipUri, issuesOf(error));
      });
      break;
    }

    const outcomes = await deps.store.principals.writeTogether(
      tenantId,
      decided.map(({ change }) => change),
    );
    const lost = new Set<number>();
    decided.forEach((entry, position) => {
      const outcome = outcomes[position]!;
      if (outcome.written) answer(entry);
      else if (outcome.error instanceof StaleReadError) lost.add(entry.index);
      else if (mayBeCreatedMeanwhile(entry, outcome.error) && !decidedAgain.has(entry.index)) {
        decidedAgain.add(entry.index);
        lost.add(entry.index);
      } else if (outcome.error instanceof ExumError) fail(entry.index, entry.change.after.sipUri, issuesOf(outcome.error));
      else throw outcome.error;
    });
    pending = pending.filter(({ index }) => lost.has(index));
    if (attempt >= ATTEMPTS) {
      for (const { index, user } of pending) {
        fail(index, user.sipUri, [
          { field: 'sipUri', rule: 'concurrent-modification', message: 'the user kept changing while this row was decided; send it again' },
        ]);
      }
      break;
    }
  }
  return rows.map((row) => results.get(row.index)!);
}

/**
 * One row against the user as stored: the record to write, or null when nothing would change.
 * Exported for the bench's ceiling (bench/import.ts), which writes what an import decides.
 */
export function decideRow(row: UserUpsert, found: Principal | null, config: TenantConfig, actor: Actor, now: Date) {
  if (found !== null && found.type !== 'user') throw duplicate('sipUri', row.sipUri, 'unique-sip-address-across-users-and-contacts');
  forbidProviderFlag(row.hostedVoicemail);
  const before = found;
  const { sipUri, ...patch } = row;
  const after = mergeUserPatch(before === null ? { ...NEW_USER, sipUri } : withoutMeta(before)!, patch);
  if (before !== null && isDeepStrictEqual(after, withoutMeta(before))) return { before, after: null, guards: [], warnings: [] };
  const guards = dedupeGuards(checkPrincipal(before, after, config));
  return {
    before,
    after: stamp(after, before, actor, now),
    guards,
    warnings: adminFlagWarnings(before, row.hostedVoicemail?.admin),
  };
}

/**
 * A row decided as a creation refused for a claim (its SIP address or line URI) that another writer
 * may have taken by creating the same user meanwhile: the same row sent again while the first
 * request is still being written, as after a killed import. A batch is an upsert, so the row is
 * decided once more from what is there now: updated or unchanged if the user exists, and the
 * refusal answered if it still stands.
 */
const mayBeCreatedMeanwhile = (entry: Decided, error: unknown): boolean =>
  entry.change.before === null && error instanceof ExumError && error.code === 'duplicate';

const duplicateInBatch = (field: string, value: string, claimant: string) =>
  new ExumError('duplicate', `${field} ${value} is also claimed by ${claimant} earlier in this batch`, [
    { field, rule: 'unique-in-batch', message: `${value} is also claimed by ${claimant} earlier in this batch` },
  ]);

/** A refusal as the fields at fault; errors that name none are reported against the row. */
const issuesOf = (error: ExumError): FieldIssue[] =>
  error.issues.length > 0 ? [...error.issues] : [{ field: 'row', rule: error.code, message: error.message }];
