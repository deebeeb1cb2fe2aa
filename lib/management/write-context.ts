// What every management write shares: who is writing, dry runs, If-Match, version stamping,
// and the optimistic-concurrency loop that re-reads and re-decides when a write lost a race.
import type { EndpointPolicy } from '../domain/endpoint-rules.js';
import type { Actor } from '../domain/credential.js';
import type { RecordMeta } from '../domain/fields.js';
import { ExumError, preconditionFailed } from '../errors.js';
import { omit } from '../omit.js';
import type { SecretVault } from '../provider-events/signing-secrets.js';
import type { ExumStore } from '../store/exum-store.js';
import { StaleReadError } from '../store/sdk-errors.js';

export interface ManagementDeps {
  store: ExumStore;
  now: () => Date;
  /** Where providers' signing secrets go (Secrets Manager in AWS). */
  secrets: SecretVault;
  /** What a provider's event endpoint may be (lib/domain/endpoint-rules.ts); absent: the strict rules. */
  endpointPolicy?: EndpointPolicy;
}

export interface WriteOptions {
  dryRun: boolean;
  /** The versions the caller's If-Match names (none: it matches nothing), '*' for any, null when not given. */
  ifMatch: readonly number[] | '*' | null;
}

export interface Change {
  action: 'create' | 'update' | 'delete';
  type: string;
  id: string;
  before: unknown;
  after: unknown;
}

/** The outcome of a write: the record written, or for a dry run what would change. */
export type WriteOutcome<T> =
  { dryRun: false; record: T | null; warnings: string[] } | { dryRun: true; changes: Change[]; warnings: string[] };

export function checkIfMatch(ifMatch: WriteOptions['ifMatch'], current: { version: number }): void {
  if (ifMatch !== null && ifMatch !== '*' && !ifMatch.includes(current.version)) throw preconditionFailed(current.version);
}

/** Stamps a record for writing: the next version, timestamps, and who wrote it. */
export function stamp<T extends object>(fields: T, before: RecordMeta | null, actor: Actor, now: Date): T & RecordMeta {
  const at = now.toISOString();
  return {
    ...fields,
    version: before === null ? 1 : before.version + 1,
    createdAt: before?.createdAt ?? at,
    updatedAt: at,
    modifiedBy: { credentialId: actor.credentialId, role: actor.role },
  };
}

export function describeChange(type: string, id: string, before: unknown, after: unknown): Change {
  return { action: before === null ? 'create' : after === null ? 'delete' : 'update', type, id, before, after };
}

// Each contended round lets at least one writer through, so N racing writers need at most N tries.
const ATTEMPTS = 12;

/**
 * Runs read-decide-write until the write lands on the state it was decided on. A write that
 * lost a race re-reads and decides again (so no update is lost); an If-Match that no longer
 * matches after the re-read becomes 412.
 */
export async function untilWritten<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof StaleReadError)) throw error;
      if (tries >= ATTEMPTS) {
        throw new ExumError('concurrent-modification', 'the object kept changing while this write was decided; retry', [], {
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * tries));
    }
  }
}

/** Strips the stamp so a dry run compares only what the caller can change. */
export function withoutMeta<T extends Partial<RecordMeta>>(record: T | null): Omit<T, keyof RecordMeta> | null {
  if (record === null) return null;
  return omit(record, 'version', 'createdAt', 'updatedAt', 'modifiedBy');
}
