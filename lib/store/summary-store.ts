// The tenant summary's counters (docs/data-model.md, "Tenant summary"). Every transaction that
// writes users or contacts also adds its deltas (per kind and route, lib/domain/tenant-summary.ts)
// to one of SHARDS counter items, picked at random per transaction so concurrent writers and bulk
// imports seldom touch the same one; the summary sums the shards and the baseline a recount wrote,
// all read in one strongly consistent Query, whatever the number of users.
//
// The shards also carry the tenant's domain fence (FENCED_DOMAINS): the SIP domains in which this
// tenant takes no new address (a domain being removed, or removed). Every principal transaction
// writes one shard already, so its counter write is conditional on the fence not naming a domain
// it takes a new address in: the check costs no extra item and no item shared by every writer of
// a domain (a per-domain item made concurrent imports into one domain collide). A removal fences
// the domain on all SHARDS shards in one transaction (tenant-store.ts markReleasing).
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { randomInt } from 'node:crypto';
import {
  BUCKETS,
  bucketDeltas,
  COUNTED_FIELDS,
  CountedPrincipalSchema,
  emptyCounts,
  MIGRATION_STATES,
  tally,
  type BucketCounts,
  type CountedPrincipal,
  type MigrationState,
} from '../domain/tenant-summary.js';
import { refused } from '../errors.js';
import { fromItem, toItem, toKey, type Item } from './items.js';
import { keys, listPartitions, summaryPartition, type Entity } from './keys.js';
import { StaleReadError } from './sdk-errors.js';
import { absentCondition, stale, type GuardedWrite, type TableClient } from './table-client.js';

/** Counter shards: enough that concurrent transactions seldom pick the same, few enough to read in one small Query. */
export const SHARDS = 32;
const shardName = (shard: number) => `SHARD#${String(shard).padStart(2, '0')}`;
const BASELINE = 'BASELINE';
const ENTITY: Entity = 'summary-counter';

/** A counter shard's string set of the SIP domains in which the tenant takes no new address. */
const FENCED_DOMAINS = 'fencedDomains';

/** A bucket's attribute on a counter item (`c_user:hosted`): always through a placeholder. */
const attributeOf = (bucket: string) => `c_${bucket}`;

/** How long a recount lets the gsi1 index catch up with writes the shards already hold. */
const INDEX_SETTLE_MS = 1000;

/** Dead letters counted at most: the count costs the same however many there are. */
export const DEAD_LETTERS_COUNTED = 1000;

/**
 * The counter write of one transaction of user and contact changes: their deltas added to a
 * random shard, with the time of the change and one more change on the shard (what a recount
 * checks). Written even when no count moves, so the last change time stays true. When the changes
 * take new SIP addresses, the write is conditional on the shard's fence naming none of their
 * domains (an absent fence or shard passes): its failure refuses the first fenced domain found.
 */
export function summaryCounterWrite(
  table: TableClient,
  tenantId: string,
  changes: readonly { before: CountedPrincipal | null; after: CountedPrincipal | null }[],
  at: string,
  newAddressDomains: ReadonlySet<string> = new Set(),
): GuardedWrite {
  const deltas = [...bucketDeltas(changes)];
  const names: Record<string, string> = { '#changes': 'changes', '#lastChangeAt': 'lastChangeAt', '#entity': 'entity' };
  const values: Record<string, unknown> = { ':one': 1, ':at': at, ':entity': ENTITY };
  const additions = ['#changes :one'];
  deltas.forEach(([bucket, delta], index) => {
    names[`#b${index}`] = attributeOf(bucket);
    values[`:b${index}`] = delta;
    additions.push(`#b${index} :b${index}`);
  });
  const domains = [...newAddressDomains];
  if (domains.length > 0) names['#fenced'] = FENCED_DOMAINS;
  domains.forEach((domain, index) => (values[`:d${index}`] = domain));
  return {
    write: {
      Update: {
        TableName: table.tableName,
        Key: toKey(keys.summaryCounter(tenantId, shardName(randomInt(SHARDS)))),
        UpdateExpression: `ADD ${additions.join(', ')} SET #lastChangeAt = :at, #entity = :entity`,
        ...(domains.length === 0
          ? {}
          : { ConditionExpression: domains.map((_, index) => `NOT contains(#fenced, :d${index})`).join(' AND ') }),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: marshall(values),
      },
    },
    onConditionFailed: (current) => {
      const fenced = fencedDomainsOf(current);
      return fencedDomainRefusal(domains.find((domain) => fenced.has(domain)) ?? domains.join(', '));
    },
  };
}

/** The domains a counter shard's fence names, from the shard item (absent: none). */
export function fencedDomainsOf(shard: Item | undefined): Set<string> {
  return new Set(shard?.[FENCED_DOMAINS]?.SS ?? []);
}

/** A new SIP address refused because this tenant does not take new addresses in its domain. */
export const fencedDomainRefusal = (domain: string) =>
  refused('sipUri', 'tenant-sip-domain', `${domain} is not one of this tenant's SIP domains, or is being removed from it`);

/**
 * Fences domains on every counter shard of the tenant (`ADD`: no transaction can take a new
 * address in them from this write's commit on), or lifts the fence (`DELETE`). Unconditional:
 * they go in the transaction that marks, unmarks or claims the domain, which holds the condition.
 */
export function fenceWrites(table: TableClient, tenantId: string, domains: readonly string[], action: 'ADD' | 'DELETE'): GuardedWrite[] {
  return Array.from({ length: SHARDS }, (_, shard) => ({
    write: {
      Update: {
        TableName: table.tableName,
        Key: toKey(keys.summaryCounter(tenantId, shardName(shard))),
        UpdateExpression: `${action} #fenced :domains SET #entity = :entity`,
        ExpressionAttributeNames: { '#fenced': FENCED_DOMAINS, '#entity': 'entity' },
        ExpressionAttributeValues: marshall({ ':domains': new Set(domains), ':entity': ENTITY }),
      },
    },
    onConditionFailed: stale(`summary counter ${shardName(shard)}`),
  }));
}

/**
 * The baseline of a tenant created through the store: nothing to add to the shards, counted from
 * the start, so its first summary never has to read every user (written in the tenant's creation).
 */
export function summaryBaselineWrite(table: TableClient, tenantId: string, at: string): GuardedWrite {
  return {
    write: table.put(toItem(keys.summaryCounter(tenantId, BASELINE), ENTITY, { recountedAt: at }), absentCondition),
    onConditionFailed: stale('summary baseline'),
  };
}

/** What the counters say: the counts (shards plus baseline), the last change, and whether a recount ever set the baseline. */
export interface CounterReading {
  counts: BucketCounts;
  lastChangeAt: string | null;
  counted: boolean;
}

interface CounterItems {
  shards: Map<string, Record<string, unknown>>;
  baseline: Record<string, unknown> | undefined;
}

const numberOf = (value: unknown) => (typeof value === 'number' ? value : 0);

/** The newest of a time and the shards' last changes. */
function latest(time: string | null, { shards }: CounterItems): string | null {
  let newest = time;
  for (const shard of shards.values()) {
    const at = shard.lastChangeAt;
    if (typeof at === 'string' && (newest === null || at > newest)) newest = at;
  }
  return newest;
}

export class SummaryStore {
  constructor(private readonly table: TableClient) {}

  /** The counters, in one strongly consistent Query of SHARDS + 1 small items. */
  async readCounters(tenantId: string): Promise<CounterReading> {
    const { shards, baseline } = await this.counterItems(tenantId);
    const counts = emptyCounts();
    let lastChangeAt: string | null = null;
    for (const item of [...shards.values(), ...(baseline === undefined ? [] : [baseline])]) {
      for (const bucket of BUCKETS) counts[bucket] += numberOf(item[attributeOf(bucket)]);
      const at = item.lastChangeAt;
      if (typeof at === 'string' && (lastChangeAt === null || at > lastChangeAt)) lastChangeAt = at;
    }
    return { counts, lastChangeAt, counted: baseline !== undefined };
  }

  /**
   * Counts the tenant's users and contacts one by one and makes the counters agree: for data
   * written before the counters existed (or outside the store). The baseline is what the shards
   * lack: the counted figures less the shards' sums as read before counting, written on condition
   * that no shard moved meanwhile (else it counts again). The lists come from the gsi1 index, a
   * few milliseconds behind the table: counting starts INDEX_SETTLE_MS after the shards are read,
   * so writes that the shards hold are in the index too. Costs a read of every user: a one-off.
   */
  async recount(
    tenantId: string,
    now: () => Date,
    options: { dryRun: boolean } = { dryRun: false },
    attempts = 5,
  ): Promise<CounterReading> {
    for (let attempt = 1; ; attempt++) {
      const before = await this.counterItems(tenantId);
      // No shard yet: nothing was written through the store before this read, so nothing to wait for.
      if (before.shards.size > 0) await new Promise((resolve) => setTimeout(resolve, INDEX_SETTLE_MS));
      const principals = [...(await this.listCounted(tenantId, 'user')), ...(await this.listCounted(tenantId, 'contact'))];
      const counted = tally(principals);
      // Before the counters, the last change is the newest record's (a deletion then left no trace).
      const newest = principals.reduce<string | null>(
        (latest, { updatedAt }) => (latest === null || updatedAt > latest ? updatedAt : latest),
        null,
      );
      const baseline: Record<string, unknown> = { recountedAt: now().toISOString(), ...(newest === null ? {} : { lastChangeAt: newest }) };
      for (const bucket of BUCKETS) {
        const inShards = [...before.shards.values()].reduce((sum, shard) => sum + numberOf(shard[attributeOf(bucket)]), 0);
        baseline[attributeOf(bucket)] = counted[bucket] - inShards;
      }
      const reading: CounterReading = { counts: counted, lastChangeAt: latest(newest, before), counted: true };
      if (options.dryRun) return reading;
      const writes: GuardedWrite[] = [
        {
          write: this.table.put(
            toItem(keys.summaryCounter(tenantId, BASELINE), ENTITY, baseline),
            before.baseline === undefined
              ? absentCondition
              : {
                  ConditionExpression: '#recountedAt = :recountedAt',
                  ExpressionAttributeNames: { '#recountedAt': 'recountedAt' },
                  ExpressionAttributeValues: marshall({ ':recountedAt': before.baseline.recountedAt }),
                },
          ),
          onConditionFailed: stale('summary baseline'),
        },
        ...Array.from({ length: SHARDS }, (_, shard) =>
          this.shardUnchanged(tenantId, shardName(shard), before.shards.get(shardName(shard))),
        ),
      ];
      try {
        await this.table.transact(writes);
        return reading;
      } catch (error) {
        if (!(error instanceof StaleReadError) || attempt >= attempts) throw error;
      }
    }
  }

  /**
   * The tenant's migrations by state: a tenant has few, each one item in a list. One still enrolling
   * its users (accepted, in the background) is open: counted running. A refused one never ran.
   */
  async migrationsByState(tenantId: string): Promise<Record<MigrationState, number>> {
    const counts = Object.fromEntries(MIGRATION_STATES.map((state) => [state, 0])) as Record<MigrationState, number>;
    const countedAs: Partial<Record<string, MigrationState>> = { enrolling: 'running' };
    const items = await this.table.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ProjectionExpression: '#state',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: marshall({ ':pk': listPartitions.migrations(tenantId) }),
    });
    for (const item of items) {
      const stored = unmarshall(item).state as unknown;
      const state = typeof stored === 'string' ? (countedAs[stored] ?? stored) : undefined;
      if (state !== undefined && state in counts) counts[state as MigrationState]++;
    }
    return counts;
  }

  /** How many dead letters wait, counted up to DEAD_LETTERS_COUNTED. */
  async deadLettersWaiting(tenantId: string): Promise<{ waiting: number; capped: boolean }> {
    let waiting = 0;
    let startKey: Item | undefined;
    do {
      const result = await this.table.call((client) =>
        client.send(
          new QueryCommand({
            TableName: this.table.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: marshall({ ':pk': keys.deadLetter(tenantId, '', '').pk }),
            Select: 'COUNT',
            Limit: DEAD_LETTERS_COUNTED + 1 - waiting,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      waiting += result.Count ?? 0;
      startKey = result.LastEvaluatedKey;
    } while (startKey !== undefined && waiting <= DEAD_LETTERS_COUNTED);
    return waiting > DEAD_LETTERS_COUNTED ? { waiting: DEAD_LETTERS_COUNTED, capped: true } : { waiting, capped: false };
  }

  private async counterItems(tenantId: string): Promise<CounterItems> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: marshall({ ':pk': summaryPartition(tenantId) }),
      ConsistentRead: true,
    });
    const shards = new Map<string, Record<string, unknown>>();
    let baseline: Record<string, unknown> | undefined;
    for (const item of items.map((raw) => unmarshall(raw))) {
      if (item.sk === BASELINE) baseline = item;
      else shards.set(String(item.sk), item);
    }
    return { shards, baseline };
  }

  private shardUnchanged(tenantId: string, name: string, read: Record<string, unknown> | undefined): GuardedWrite {
    return {
      write: {
        ConditionCheck: {
          TableName: this.table.tableName,
          Key: toKey(keys.summaryCounter(tenantId, name)),
          ...(read === undefined
            ? absentCondition
            : read.changes === undefined
              ? // A shard only a domain fence wrote (fenceWrites): no change counted on it yet.
                { ConditionExpression: 'attribute_not_exists(#changes)', ExpressionAttributeNames: { '#changes': 'changes' } }
              : {
                  ConditionExpression: '#changes = :changes',
                  ExpressionAttributeNames: { '#changes': 'changes' },
                  ExpressionAttributeValues: marshall({ ':changes': numberOf(read.changes) }),
                }),
        },
      },
      onConditionFailed: stale(`summary counter ${name}`),
    };
  }

  private async listCounted(tenantId: string, type: 'user' | 'contact'): Promise<CountedPrincipal[]> {
    const names = Object.fromEntries(COUNTED_FIELDS.map((field, index) => [`#f${index}`, field]));
    const items = await this.table.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ProjectionExpression: Object.keys(names).join(', '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: marshall({ ':pk': type === 'user' ? listPartitions.users(tenantId) : listPartitions.contacts(tenantId) }),
    });
    return items.map((item) => fromItem(CountedPrincipalSchema, item));
  }
}
