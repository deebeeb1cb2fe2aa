// Many user and contact changes written together (a user batch): packed into as few
// transactions as DynamoDB allows, each change answered on its own, and transactions that
// collide with others sent again rather than failed. A change taking a new SIP address in a
// domain the tenant fences (being removed) fails the transaction's summary counter write
// (summary-store.ts): those changes are refused, the others go again.
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { PrincipalChange, TogetherOutcome } from './changes.js';
import { changeTime, grantCountDelta, grantDeltas, newAddressDomains, policyGuard, principalItemWrites } from './principal-writes.js';
import { fencedDomainRefusal, fencedDomainsOf, summaryCounterWrite } from './summary-store.js';
import { StaleReadError } from './sdk-errors.js';
import type { Key } from './keys.js';
import {
  afterCollision,
  MAX_COLLISIONS,
  onlyCollisions,
  unexpectedCancellation,
  type GuardedWrite,
  type TableClient,
} from './table-client.js';

/** DynamoDB's limit on the items of one transaction. */
const MAX_TRANSACTION_ITEMS = 100;

/** Each transaction adds its changes' deltas to one tenant summary counter (summary-store.ts). */
const SUMMARY_COUNTER_WRITES = 1;

/**
 * Writes many principal changes (creations and replacements, decided on one configuration
 * snapshot) in as few transactions as possible: up to 100 items each, grant counters summed per
 * tag, the tenant summary's deltas added to one counter, policy guards checked once. Each change is answered on its own: written, refused (a
 * claim taken: the duplicate error) or stale (it lost a race; decide it again). A transaction
 * cancelled for some changes is sent again without them, so one bad change costs the others
 * nothing.
 */
export async function writePrincipalsTogether(
  table: TableClient,
  tenantId: string,
  changes: readonly PrincipalChange[],
): Promise<TogetherOutcome[]> {
  // Changes left unanswered are stale (decided again): their errors are made once the writing is over.
  const outcomes: (TogetherOutcome | undefined)[] = changes.map(() => undefined);
  // Each change's own writes, marshalled once: for packing, and for every transaction its group sends.
  const itemWrites = ownWrites(table, tenantId, changes);
  for (const group of packTransactions(changes, itemWrites)) {
    let members = group;
    for (let collisions = 0; members.length > 0;) {
      const { writes, owners, counterPosition } = togetherWrites(
        table,
        tenantId,
        members.map((index) => ({ index, change: changes[index]! })),
        itemWrites,
      );
      const failures = await table.transactOrFailures(writes);
      if (failures === undefined) {
        for (const index of members) outcomes[index] = { written: true };
        break;
      }
      const conditionFailures = failures.filter((failure) => failure.code === 'ConditionalCheckFailed');
      if (conditionFailures.length === 0) {
        // Another transaction held one of these items (a grant counter, most often, when several
        // batches grant one tag): nothing read is wrong, so the same writes go again, a little later.
        if (!onlyCollisions(failures)) throw unexpectedCancellation(failures);
        // Past MAX_COLLISIONS the changes are handed back as stale, to be decided again.
        if (++collisions > MAX_COLLISIONS) break;
        await afterCollision(collisions);
        continue;
      }
      const counterFailure = conditionFailures.find((failure) => failure.position === counterPosition);
      if (counterFailure !== undefined) {
        // The tenant fences a domain these changes take a new address in (being removed): the
        // changes taking one there are refused, the others go again. The shard as the failure
        // found it names the domains (read again should an answer lack it).
        const shard = counterFailure.item ?? (await table.getItem(unmarshall(writes[counterPosition]!.write.Update!.Key!) as Key, true));
        const fenced = fencedDomainsOf(shard);
        const fencedDomainOf = (index: number) => [...newAddressDomains([changes[index]!])].find((domain) => fenced.has(domain));
        const refusedHere = members.filter((index) => fencedDomainOf(index) !== undefined);
        // The fence was lifted since: the same writes go again, as after a collision.
        if (refusedHere.length === 0 && ++collisions > MAX_COLLISIONS) break;
        for (const index of refusedHere) outcomes[index] = { written: false, error: fencedDomainRefusal(fencedDomainOf(index)!) };
        members = members.filter((index) => !refusedHere.includes(index));
        continue;
      }
      if (conditionFailures.some((failure) => owners[failure.position] === undefined)) {
        // A policy guard: the snapshot the whole group was decided on moved.
        break;
      }
      for (const failure of conditionFailures) {
        const owner = owners[failure.position]!;
        outcomes[owner] = { written: false, error: writes[failure.position]!.onConditionFailed(failure.item) };
      }
      const failed = new Set(conditionFailures.map((failure) => owners[failure.position]));
      members = members.filter((index) => !failed.has(index));
    }
  }
  return outcomes.map((outcome) => outcome ?? { written: false, error: new StaleReadError('not written') });
}

/**
 * The transactions writePrincipalsTogether sends for these changes when none is refused or
 * collides: the same packing, the same writes. For the bench's ceiling (bench/import.ts), which
 * sends them with a bare client, so its baseline cannot drift from what an import writes.
 */
export function principalTransactions(table: TableClient, tenantId: string, changes: readonly PrincipalChange[]): GuardedWrite[][] {
  const itemWrites = ownWrites(table, tenantId, changes);
  return packTransactions(changes, itemWrites).map(
    (group) =>
      togetherWrites(
        table,
        tenantId,
        group.map((index) => ({ index, change: changes[index]! })),
        itemWrites,
      ).writes,
  );
}

/** Each change's own items (principal-writes.ts principalItemWrites), in the changes' order. */
const ownWrites = (table: TableClient, tenantId: string, changes: readonly PrincipalChange[]): GuardedWrite[][] =>
  changes.map((change) => principalItemWrites(table, tenantId, change.before, change.after));

/**
 * Groups changes, in order, into transactions of at most 100 items. A change touching an item
 * already in the group (one row takes the number another gives up) starts the next group, so
 * the two land in the order given.
 */
function packTransactions(changes: readonly PrincipalChange[], itemWrites: readonly GuardedWrite[][]): number[][] {
  const groups: number[][] = [];
  let group: number[] = [];
  let touched = new Set<string>();
  let shared = new Set<string>();
  changes.forEach((change, index) => {
    const own = itemWrites[index]!.map(({ write }) => itemKeyOf(write));
    const sharedKeys = [...grantDeltas([change]).keys()]
      .map((tag) => `grant:${tag}`)
      .concat(change.guards.map((guard) => `guard:${guard.id}`));
    const sharedAfter = new Set([...shared, ...sharedKeys]);
    const collides = own.some((key) => touched.has(key));
    if (group.length > 0 && (collides || touched.size + own.length + sharedAfter.size + SUMMARY_COUNTER_WRITES > MAX_TRANSACTION_ITEMS)) {
      groups.push(group);
      group = [];
      touched = new Set();
      shared = new Set();
    }
    group.push(index);
    for (const key of own) touched.add(key);
    for (const key of sharedKeys) shared.add(key);
  });
  if (group.length > 0) groups.push(group);
  return groups;
}

/** One transaction's writes, and for each write the change it belongs to (none for shared ones). */
function togetherWrites(
  table: TableClient,
  tenantId: string,
  members: { index: number; change: PrincipalChange }[],
  itemWrites: readonly GuardedWrite[][],
) {
  const writes: GuardedWrite[] = [];
  const owners: (number | undefined)[] = [];
  for (const { index } of members) {
    for (const write of itemWrites[index]!) {
      writes.push(write);
      owners.push(index);
    }
  }
  for (const [tag, delta] of grantDeltas(members.map(({ change }) => change))) {
    if (delta !== 0) writes.push(grantCountDelta(table, tenantId, tag, delta));
  }
  const changes = members.map(({ change }) => change);
  const counterPosition = writes.length;
  writes.push(summaryCounterWrite(table, tenantId, changes, changeTime(changes), newAddressDomains(changes)));
  const guards = new Map(members.flatMap(({ change }) => change.guards.map((guard) => [guard.id, guard] as const)));
  for (const guard of guards.values()) writes.push(policyGuard(table, tenantId, guard));
  return { writes, owners, counterPosition };
}

/** The table key a transaction write touches, to keep two writes of one item apart. */
function itemKeyOf(write: GuardedWrite['write']): string {
  const key = write.Put?.Item ?? write.Delete?.Key ?? write.Update?.Key ?? write.ConditionCheck?.Key;
  return `${String(key?.pk?.S)}|${String(key?.sk?.S)}`;
}
