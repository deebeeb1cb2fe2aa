// Operator credentials: the credentials of no tenant, which act in every tenant. Listed, created
// and revoked by operators through the API (lib/api/operator-credential-routes.ts), and
// bootstrapped from a token given outside the API: the local service's EXUM_OPERATOR_TOKEN (or
// its token file) at each start, `exumctl bootstrap-operator` against the table in AWS. Records
// are never deleted: who created and who revoked each credential stays on it.
import type { Actor, Credential, CredentialRecord } from '../domain/credential.js';
import { notFound, refused } from '../errors.js';
import { omit } from '../omit.js';
import { forgetCachedCredential } from '../auth/credential-cache.js';
import { generateCredentialId, generateToken, hashToken } from '../auth/tokens.js';
import { describeChange, untilWritten, type ManagementDeps, type WriteOptions, type WriteOutcome } from './write-context.js';

/** The `createdBy` of a bootstrapped operator credential: at most one of them is active at a time. */
export const BOOTSTRAP_CREATOR = 'bootstrap';

export type OperatorCredential = Credential & {
  revokedAt: string | null;
  revokedBy: { credentialId: string; role: string } | null;
};

const publicOperatorCredential = (record: CredentialRecord): OperatorCredential => ({
  ...omit(record, 'tokenHash', 'revokedBy'),
  revokedBy: record.revokedBy ?? null,
});

/** Every operator record, revoked ones included (operators are few: a handful of pages at most). */
async function allOperatorRecords(deps: Pick<ManagementDeps, 'store'>): Promise<CredentialRecord[]> {
  const records: CredentialRecord[] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof deps.store.credentials.list>> = await deps.store.credentials.list(null, cursor, 500);
    records.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return records;
}

export async function listOperatorCredentials(deps: ManagementDeps, cursor: string | null, limit: number) {
  const page = await deps.store.credentials.list(null, cursor, limit);
  return { items: page.items.map(publicOperatorCredential), nextCursor: page.nextCursor };
}

const operatorRecord = (deps: Pick<ManagementDeps, 'now'>, name: string, createdBy: string, token: string): CredentialRecord => ({
  id: generateCredentialId(),
  tenantId: null,
  role: 'operator',
  name,
  providerId: null,
  createdAt: deps.now().toISOString(),
  createdBy,
  tokenHash: hashToken(token),
  revokedAt: null,
});

/** A new operator credential; its token is in the answer and nowhere else, ever. */
export async function createOperatorCredential(
  deps: ManagementDeps,
  actor: Actor,
  input: { name: string },
  options: WriteOptions,
): Promise<WriteOutcome<{ credential: OperatorCredential; token: string }>> {
  const token = generateToken();
  const record = operatorRecord(deps, input.name, actor.credentialId, token);
  if (options.dryRun) {
    return { dryRun: true, changes: [describeChange('credential', record.id, null, publicOperatorCredential(record))], warnings: [] };
  }
  await deps.store.credentials.create(record);
  return { dryRun: false, record: { credential: publicOperatorCredential(record), token }, warnings: [] };
}

/**
 * Revokes an operator credential: refused (rule last-operator-credential) when it is the last
 * active one, so that nobody locks every operator out; this process stops accepting it at once.
 */
export function revokeOperatorCredential(
  deps: ManagementDeps,
  actor: Actor,
  id: string,
  options: WriteOptions,
): Promise<WriteOutcome<null>> {
  return untilWritten(async () => {
    const records = await allOperatorRecords(deps);
    const record = records.find((candidate) => candidate.id === id);
    if (record === undefined || record.revokedAt !== null) throw notFound(`operator credential ${id}`);
    const another = records.find((other) => other.id !== id && other.revokedAt === null);
    if (another === undefined) {
      throw refused(
        'credentialId',
        'last-operator-credential',
        `${id} is the last active operator credential: create another (POST /v1/operator-credentials) before revoking it`,
      );
    }
    if (options.dryRun) {
      return { dryRun: true, changes: [describeChange('credential', id, publicOperatorCredential(record), null)], warnings: [] };
    }
    // Conditional on the other one staying active: concurrent revocations never leave none.
    await deps.store.credentials.revoke(record, deps.now().toISOString(), { credentialId: actor.credentialId, role: actor.role }, another);
    forgetCachedCredential(id);
    return { dryRun: false, record: null, warnings: [] };
  });
}

export interface BootstrapOutcome {
  /** The operator credential the token is. */
  credentialId: string;
  /** unchanged: the token already was an active operator credential; created: a new one, none replaced; replaced: see `revoked`. */
  action: 'unchanged' | 'created' | 'replaced';
  /** The earlier bootstrap credentials this one replaced, now revoked. */
  revoked: string[];
  /** Operator lookup items of an older version with no record (and so no way to revoke them), removed. */
  removedUnrecorded: number;
}

/**
 * Makes `token` an active operator credential, written through the store like any other, and
 * keeps one bootstrap credential at most: with `replace`, earlier bootstrap credentials are
 * revoked (and refused at once by this process); without it, an active one refuses the bootstrap
 * (rule bootstrap-credential-exists). A token that already is an active operator credential
 * changes nothing; one that was revoked is refused (rule token-revoked): a revoked token never
 * comes back. Used by the local service at each start and by `exumctl bootstrap-operator`.
 */
export async function bootstrapOperator(
  deps: Pick<ManagementDeps, 'store' | 'now'>,
  token: string,
  options: { replace: boolean; name?: string },
): Promise<BootstrapOutcome> {
  let records = await allOperatorRecords(deps);
  const removedUnrecorded = records.length === 0 ? await deps.store.credentials.removeUnrecordedOperatorLookups() : 0;
  const tokenHash = hashToken(token);
  const same = records.find((record) => record.tokenHash === tokenHash);
  if (same !== undefined && same.revokedAt === null) return { credentialId: same.id, action: 'unchanged', revoked: [], removedUnrecorded };
  if (same !== undefined) {
    throw refused('token', 'token-revoked', `this token was operator credential ${same.id}, revoked at ${same.revokedAt}: use a new one`);
  }
  if ((await deps.store.credentials.getByTokenHash(tokenHash)) !== undefined) {
    throw refused('token', 'token-in-use', 'this token already is a tenant credential: use a new one');
  }
  records = records.filter((record) => record.createdBy === BOOTSTRAP_CREATOR && record.revokedAt === null);
  if (records.length > 0 && !options.replace) {
    throw refused(
      'replace',
      'bootstrap-credential-exists',
      `operator credential ${records.map((record) => record.id).join(', ')} was bootstrapped already: replace it (it is revoked), or create operator credentials through the API`,
    );
  }
  const created = operatorRecord(deps, options.name ?? 'bootstrap operator', BOOTSTRAP_CREATOR, token);
  await deps.store.credentials.create(created);
  for (const previous of records) {
    await deps.store.credentials.revoke(previous, deps.now().toISOString(), { credentialId: created.id, role: 'operator' });
    forgetCachedCredential(previous.id);
  }
  return {
    credentialId: created.id,
    action: records.length === 0 ? 'created' : 'replaced',
    revoked: records.map((record) => record.id),
    removedUnrecorded,
  };
}
