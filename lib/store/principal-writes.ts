// The transaction writes of a user or contact change, shared by every transaction that makes
// one: the principal's record by SIP address and its number copy (each a claim: a write
// conditional on the item being absent, or still the one read), the grant counters of the tags
// it moves between, the tenant summary's counter deltas (summary-store.ts) and guards on the
// policies the caller's decision relied on.
//
// A new SIP address is taken only in a domain the tenant does not fence (one being removed, or
// removed: tenant-store.ts markReleasing). The fence rides on the summary counter shard this
// transaction writes anyway (summaryCounterWrite's condition): the check costs no extra item, and
// no item that every writer in the domain shares, so concurrent imports into one domain do not
// collide on it.
import { marshall } from '@aws-sdk/util-dynamodb';
import { duplicate } from '../errors.js';
import type { Principal } from '../domain/principal.js';
import { routeOf } from '../domain/tenant-summary.js';
import type { PolicyGuard } from './changes.js';
import { toItem, toKey } from './items.js';
import { keys, listPartitions, type Entity } from './keys.js';
import { summaryCounterWrite } from './summary-store.js';
import { absentCondition, stale, versionCondition, type GuardedWrite, type TableClient } from './table-client.js';

/** The writes of one principal change, for transactions that change a principal along with other items. */
export function principalWrites(
  table: TableClient,
  tenantId: string,
  before: Principal | null,
  after: Principal | null,
  guards: readonly PolicyGuard[] = [],
  at: string = changeTime([{ after }]),
): GuardedWrite[] {
  const grantWrites = [...grantDeltas([{ before, after }])].map(([tag, delta]) => grantCountDelta(table, tenantId, tag, delta));
  return [
    ...principalItemWrites(table, tenantId, before, after),
    ...grantWrites,
    summaryCounterWrite(table, tenantId, [{ before, after }], at, newAddressDomains([{ before, after }])),
    ...guards.map((guard) => policyGuard(table, tenantId, guard)),
  ];
}

/** The domains in which changes take a new SIP address (a creation, or a changed address). */
export function newAddressDomains(changes: readonly { before: Principal | null; after: Principal | null }[]): Set<string> {
  const domains = new Set<string>();
  for (const { before, after } of changes) {
    if (after !== null && before?.sipUri !== after.sipUri) domains.add(after.sipUri.slice(after.sipUri.lastIndexOf('@') + 1));
  }
  return domains;
}

/** When changes happen, for the summary's last change: the newest record written (a deletion has none: now). */
export function changeTime(changes: readonly { after: Principal | null }[]): string {
  const times = changes.flatMap(({ after }) => (after === null ? [] : [after.updatedAt]));
  return times.length === changes.length && times.length > 0 ? times.reduce((a, b) => (b > a ? b : a)) : new Date().toISOString();
}

/** The principal's own items: its record by SIP address and its number copy. */
export function principalItemWrites(
  table: TableClient,
  tenantId: string,
  before: Principal | null,
  after: Principal | null,
): GuardedWrite[] {
  const writes: GuardedWrite[] = [];
  const numberField = (principal: Principal) => (principal.type === 'contact' ? 'displayNumber' : 'lineUri');

  if (after !== null) {
    const sameAddress = before !== null && before.sipUri === after.sipUri;
    writes.push({
      write: table.put(
        // Where it routes is kept with it, so that a list can filter on it (principal-store.ts list).
        toItem(
          keys.address(tenantId, after.sipUri),
          after.type,
          { ...after, route: routeOf(after) },
          {
            gsi1pk: after.type === 'user' ? listPartitions.users(tenantId) : listPartitions.contacts(tenantId),
            gsi1sk: after.sipUri,
          },
        ),
        sameAddress ? versionCondition(before.version) : absentCondition,
      ),
      onConditionFailed: sameAddress
        ? stale(after.sipUri)
        : () => duplicate('sipUri', after.sipUri, 'unique-sip-address-across-users-and-contacts'),
    });
    if (after.lineUri !== null) {
      const sameNumber = before !== null && before.lineUri === after.lineUri;
      writes.push({
        write: table.put(
          toItem(keys.number(tenantId, after.lineUri), 'number', after),
          sameNumber ? ownedCondition(before) : absentCondition,
        ),
        onConditionFailed: sameNumber
          ? stale(after.lineUri)
          : () =>
              duplicate(
                numberField(after),
                after.type === 'contact' ? (after.displayNumber ?? after.lineUri ?? '') : (after.lineUri ?? ''),
                'unique-line-uri-across-users-and-contacts',
              ),
      });
    }
  }
  if (before !== null) {
    if (after === null || after.sipUri !== before.sipUri) {
      writes.push({
        write: {
          Delete: { TableName: table.tableName, Key: toKey(keys.address(tenantId, before.sipUri)), ...versionCondition(before.version) },
        },
        onConditionFailed: stale(before.sipUri),
      });
    }
    if (before.lineUri !== null && (after === null || after.lineUri !== before.lineUri)) {
      writes.push({
        write: { Delete: { TableName: table.tableName, Key: toKey(keys.number(tenantId, before.lineUri)), ...ownedCondition(before) } },
        onConditionFailed: stale(before.lineUri),
      });
    }
  }
  return writes;
}

/** A policy a decision relied on is still as it was read (absent, or at that version). */
export function policyGuard(table: TableClient, tenantId: string, guard: PolicyGuard): GuardedWrite {
  return {
    write: {
      ConditionCheck: {
        TableName: table.tableName,
        Key: toKey(keys.policy(tenantId, guard.id)),
        ...(guard.version === null ? absentCondition : versionCondition(guard.version)),
      },
    },
    onConditionFailed: stale(`policy ${guard.id}`),
  };
}

export function grantCountDelta(table: TableClient, tenantId: string, tag: string, delta: number): GuardedWrite {
  return {
    write: {
      Update: {
        TableName: table.tableName,
        Key: toKey(keys.grantCount(tenantId, tag)),
        UpdateExpression: 'ADD grants :delta SET entity = :entity',
        ExpressionAttributeValues: marshall({ ':delta': delta, ':entity': 'grant-count' satisfies Entity }),
      },
    },
    onConditionFailed: stale(`grant count ${tag}`),
  };
}

/** How the grant counters move when principals change their granted tag, summed per tag. */
export function grantDeltas(changes: readonly { before: Principal | null; after: Principal | null }[]): Map<string, number> {
  const deltas = new Map<string, number>();
  const add = (tag: string, delta: number) => deltas.set(tag, (deltas.get(tag) ?? 0) + delta);
  for (const { before, after } of changes) {
    const beforeTag = before?.hostedVoicemailPolicy ?? null;
    const afterTag = after?.hostedVoicemailPolicy ?? null;
    if (beforeTag === afterTag) continue;
    if (beforeTag !== null) add(beforeTag, -1);
    if (afterTag !== null) add(afterTag, 1);
  }
  return deltas;
}

/** A number copy belongs to the principal it was written for, at the version it was written. */
const ownedCondition = (owner: Principal) => ({
  ConditionExpression: '#sipUri = :owner AND #version = :version',
  ExpressionAttributeNames: { '#sipUri': 'sipUri', '#version': 'version' },
  ExpressionAttributeValues: marshall({ ':owner': owner.sipUri, ':version': owner.version }),
});
