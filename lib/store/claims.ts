// Claims checked ahead of a write, for dry runs: which of the claim items (a tenant id, a domain,
// a SIP address, a line URI) a write would make are already taken. The real write enforces the
// same claims atomically, in its transaction; this read only predicts its answer.
import type { ExumError } from '../errors.js';
import type { Key } from './keys.js';
import type { TableClient } from './table-client.js';

/** A claim item a write would make, and the error it answers when the item is taken. */
export interface WantedClaim {
  key: Key;
  error: () => ExumError;
}

/** The error of the first claim already taken, in one strongly consistent batch read. */
export async function firstTaken(table: TableClient, wanted: readonly WantedClaim[]): Promise<ExumError | undefined> {
  const [taken] = await firstTakenOfEach(table, [wanted]);
  return taken;
}

/** firstTaken for many writes at once, in batch reads: the claim each would find taken. */
export async function firstTakenOfEach(
  table: TableClient,
  wanted: readonly (readonly WantedClaim[])[],
): Promise<(ExumError | undefined)[]> {
  const items = await table.batchGet(
    wanted.flat().map(({ key }) => key),
    'pk, sk',
  );
  const found = new Set(items.map((item) => `${item.pk?.S}|${item.sk?.S}`));
  return wanted.map((claims) => claims.find(({ key }) => found.has(`${key.pk}|${key.sk}`))?.error());
}
