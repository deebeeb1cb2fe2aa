// Tenants in the table: the tenant record, the claims that keep a tenant id and each of its
// domains unique, and the list of tenants operators page through. A domain being removed (or
// removed) is fenced on the tenant's summary counter shards, which every user and contact write
// checks (summary-store.ts fenceWrites): markReleasing fences it, unmarkReleasing and claiming
// it again lift the fence.
import { BatchWriteItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { duplicate, type ExumError } from '../errors.js';
import type { Edge } from '../domain/edge.js';
import { TenantSchema, type Tenant } from '../domain/tenant.js';
import type { VoicemailPolicy } from '../domain/voicemail-policy.js';
import { firstTaken } from './claims.js';
import { fromItem, toItem, toKey, type Item } from './items.js';
import { configPartition, keys, listPartitions, type Key } from './keys.js';
import { fenceWrites, summaryBaselineWrite } from './summary-store.js';
import { absentCondition, stale, versionCondition, type GuardedWrite, type Page, type TableClient } from './table-client.js';

export class TenantStore {
  constructor(private readonly table: TableClient) {}

  /** A tenant with its domain claims, default edge and global policy, all or nothing. */
  async create(tenant: Tenant, edge: Edge, globalPolicy: VoicemailPolicy): Promise<void> {
    const writes: GuardedWrite[] = [
      {
        write: this.table.put(
          toItem(keys.tenant(tenant.id), 'tenant', tenant, { gsi1pk: listPartitions.tenants(), gsi1sk: tenant.id }),
          absentCondition,
        ),
        onConditionFailed: () => duplicate('id', tenant.id, 'unique-tenant-id'),
      },
      ...tenant.domains.map((domain, index) => ({
        write: this.table.put(toItem(keys.domainClaim(domain), 'domain-claim', { domain, tenantId: tenant.id }), absentCondition),
        onConditionFailed: () => duplicate(`domains.${index}`, domain, 'domain-belongs-to-one-tenant'),
      })),
      { write: this.table.put(toItem(keys.edge(tenant.id), 'edge', edge), absentCondition), onConditionFailed: stale('edge') },
      {
        write: this.table.put(toItem(keys.policy(tenant.id, globalPolicy.id), 'policy', globalPolicy), absentCondition),
        onConditionFailed: stale('global policy'),
      },
      summaryBaselineWrite(this.table, tenant.id, tenant.createdAt),
    ];
    await this.table.transact(writes);
  }

  /**
   * A tenant's name or domains changed, conditional on the version read. A domain gained is
   * claimed in the same transaction (409 naming the field when another tenant holds it), and the
   * tenant's fence on it lifted (it was removed from this tenant before; see markReleasing). A
   * domain lost has its claim released, conditional on the claim still being this tenant's (and
   * still marked by this removal: `releasingMark`); its fence stays, so this tenant's writers
   * holding a configuration cached from before still take no address in it.
   */
  async update(before: Tenant, after: Tenant, releasingMark?: string): Promise<void> {
    const gained = after.domains.filter((domain) => !before.domains.includes(domain));
    const lost = before.domains.filter((domain) => !after.domains.includes(domain));
    const writes: GuardedWrite[] = [
      {
        write: {
          Update: {
            TableName: this.table.tableName,
            Key: toKey(keys.tenant(before.id)),
            UpdateExpression: 'SET #name = :name, domains = :domains, #version = :next, updatedAt = :updatedAt, modifiedBy = :modifiedBy',
            ConditionExpression: '#version = :version',
            ExpressionAttributeNames: { '#name': 'name', '#version': 'version' },
            ExpressionAttributeValues: marshall({
              ':name': after.name,
              ':domains': after.domains,
              ':next': after.version,
              ':updatedAt': after.updatedAt,
              ':modifiedBy': after.modifiedBy,
              ':version': before.version,
            }),
          },
        },
        onConditionFailed: stale(`tenant ${before.id}`),
      },
      ...gained.map((domain) => ({
        write: this.table.put(toItem(keys.domainClaim(domain), 'domain-claim', { domain, tenantId: after.id }), absentCondition),
        onConditionFailed: () => duplicate('domain', domain, 'domain-belongs-to-one-tenant'),
      })),
      ...lost.map((domain) => ({
        write: {
          Delete: {
            TableName: this.table.tableName,
            Key: toKey(keys.domainClaim(domain)),
            ...(releasingMark === undefined
              ? { ConditionExpression: 'tenantId = :tenantId', ExpressionAttributeValues: marshall({ ':tenantId': before.id }) }
              : {
                  ConditionExpression: 'tenantId = :tenantId AND releasing = :mark',
                  ExpressionAttributeValues: marshall({ ':tenantId': before.id, ':mark': releasingMark }),
                }),
          },
        },
        onConditionFailed: stale(`domain claim ${domain}`),
      })),
      // 1 tenant + up to 2 claims + 32 shards: within a transaction's 100 items (routes change one domain at a time).
      ...(gained.length === 0 ? [] : fenceWrites(this.table, after.id, gained, 'DELETE')),
    ];
    await this.table.transactPastCollisions(writes);
  }

  /** For dry runs only: the tenant id or domains a tenant creation would find taken. */
  async findTakenClaims(tenant: { id: string; domains: readonly string[] }): Promise<ExumError | undefined> {
    return firstTaken(this.table, [
      { key: keys.tenant(tenant.id), error: () => duplicate('id', tenant.id, 'unique-tenant-id') },
      ...tenant.domains.map((domain, index) => ({
        key: keys.domainClaim(domain),
        error: () => duplicate(`domains.${index}`, domain, 'domain-belongs-to-one-tenant'),
      })),
    ]);
  }

  /**
   * Marks a domain claim as being released and fences the domain on every summary counter shard
   * of the tenant, in one transaction: from its commit on, no user or contact write of the tenant
   * takes an address in it (each checks the shard it writes, principal-writes.ts), so the
   * principals counted after the mark (once the list index caught up) are all there will be.
   * Answers false when the claim is not this tenant's.
   */
  async markReleasing(tenantId: string, domain: string, mark: string): Promise<boolean> {
    try {
      await this.table.transactPastCollisions([
        {
          write: {
            Update: {
              TableName: this.table.tableName,
              Key: toKey(keys.domainClaim(domain)),
              UpdateExpression: 'SET releasing = :mark',
              ConditionExpression: 'tenantId = :tenantId',
              ExpressionAttributeValues: marshall({ ':mark': mark, ':tenantId': tenantId }),
            },
          },
          onConditionFailed: () => new ClaimNotMarkedError(`domain claim ${domain} is not tenant ${tenantId}'s`),
        },
        ...fenceWrites(this.table, tenantId, [domain], 'ADD'),
      ]);
      return true;
    } catch (error) {
      if (error instanceof ClaimNotMarkedError) return false;
      throw error;
    }
  }

  /**
   * Undoes markReleasing when the removal is refused: the claim unmarked and the fence lifted, so
   * the domain takes new addresses again. Nothing when another removal marked the claim since: that
   * one unmarks it or releases it.
   */
  async unmarkReleasing(tenantId: string, domain: string, mark: string): Promise<void> {
    await this.table
      .transactPastCollisions(
        [
          {
            write: {
              Update: {
                TableName: this.table.tableName,
                Key: toKey(keys.domainClaim(domain)),
                UpdateExpression: 'REMOVE releasing',
                ConditionExpression: 'tenantId = :tenantId AND releasing = :mark',
                ExpressionAttributeValues: marshall({ ':mark': mark, ':tenantId': tenantId }),
              },
            },
            onConditionFailed: () => new ClaimNotMarkedError(`domain claim ${domain} is marked by another removal`),
          },
          ...fenceWrites(this.table, tenantId, [domain], 'DELETE'),
        ],
        // A refused removal must not leave the domain fenced: many more tries than a write's.
        100,
      )
      .catch((error: unknown) => {
        if (!(error instanceof ClaimNotMarkedError)) throw error;
      });
  }

  /**
   * The tenant's users and contacts with an address in a domain: how many, and the first `sampleSize`.
   * A Query of the tenant's whole lists in gsi1 (a filter keeps only the domain's, but every
   * principal is read: about 100 MB and a few seconds for 100,000 users), acceptable for an admin
   * write that is rare; eventually consistent like every gsi1 read.
   */
  async principalsInDomain(tenantId: string, domain: string, sampleSize: number): Promise<{ count: number; sample: string[] }> {
    const suffix = `@${domain}`;
    const sample: string[] = [];
    let count = 0;
    for (const partition of [listPartitions.users(tenantId), listPartitions.contacts(tenantId)]) {
      const items = await this.table.queryAll({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        FilterExpression: 'contains(sipUri, :suffix)',
        ProjectionExpression: 'sipUri',
        ExpressionAttributeValues: marshall({ ':pk': partition, ':suffix': suffix }),
      });
      for (const item of items) {
        const sipUri = String(unmarshall(item).sipUri);
        // contains() also matches @contoso.com.au: only the exact host counts.
        if (!sipUri.endsWith(suffix)) continue;
        count++;
        if (sample.length < sampleSize) sample.push(sipUri);
      }
    }
    return { count, sample };
  }

  /** Marks a tenant as being offboarded (its items are then removed in pages; see removeTenantItems). */
  async markOffboarding(before: Tenant, after: Tenant): Promise<void> {
    await this.table.transact([
      {
        write: this.table.put(
          toItem(keys.tenant(before.id), 'tenant', after, { gsi1pk: listPartitions.tenants(), gsi1sk: before.id }),
          versionCondition(before.version),
        ),
        onConditionFailed: stale(`tenant ${before.id}`),
      },
    ]);
  }

  /**
   * A page of the tenant's items but its audit records (kept until their TTL) and its tenant
   * item (removed last, by releaseTenant), by kind. A Scan of the whole table filtered on the
   * tenant's key prefix: the tenant's items span many partitions (one per user, number,
   * migration, delivery...) and no index lists them all, so offboarding reads every item of
   * the table once (rare and paid by the operator; a sparse tenant-scoped index would bound it).
   */
  async scanTenantItems(
    tenantId: string,
    startKey: Item | undefined,
  ): Promise<{ items: (Key & { entity: string })[]; next: Item | undefined }> {
    const config = configPartition(tenantId);
    const page = await this.table.call((client) =>
      client.send(
        new ScanCommand({
          TableName: this.table.tableName,
          FilterExpression: 'begins_with(pk, :prefix) AND pk <> :audit AND NOT (pk = :config AND sk = :tenant)',
          ProjectionExpression: 'pk, sk, #entity',
          ExpressionAttributeNames: { '#entity': 'entity' },
          ExpressionAttributeValues: marshall({
            // Every tenant partition begins as its configuration partition does, up to the kind.
            ':prefix': config.slice(0, config.length - 'CONFIG'.length),
            ':audit': keys.audit(tenantId, '', '').pk,
            ':config': keys.tenant(tenantId).pk,
            ':tenant': keys.tenant(tenantId).sk,
          }),
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      ),
    );
    const items = (page.Items ?? []).map((item) => {
      const { pk, sk, entity } = unmarshall(item) as { pk: string; sk: string; entity?: string };
      return { pk, sk, entity: entity ?? 'unknown' };
    });
    return { items, next: page.LastEvaluatedKey };
  }

  /** Deletes items by key, 25 a request, resending what DynamoDB left unprocessed. */
  async deleteItems(itemKeys: readonly Key[]): Promise<void> {
    for (let start = 0; start < itemKeys.length; start += 25) {
      let requests = itemKeys.slice(start, start + 25).map((key) => ({ DeleteRequest: { Key: toKey(key) } }));
      while (requests.length > 0) {
        const result = await this.table.call((client) =>
          client.send(new BatchWriteItemCommand({ RequestItems: { [this.table.tableName]: requests } })),
        );
        requests = (result.UnprocessedItems?.[this.table.tableName] ?? []).flatMap((request) =>
          request.DeleteRequest?.Key === undefined ? [] : [{ DeleteRequest: { Key: request.DeleteRequest.Key } }],
        );
      }
    }
  }

  /** The end of an offboarding: the tenant item and its domain claims go together, so the domains may be claimed again. */
  async releaseTenant(tenant: Tenant): Promise<void> {
    await this.table.transact([
      {
        write: { Delete: { TableName: this.table.tableName, Key: toKey(keys.tenant(tenant.id)), ...versionCondition(tenant.version) } },
        onConditionFailed: stale(`tenant ${tenant.id}`),
      },
      ...tenant.domains.map((domain) => ({
        write: {
          Delete: {
            TableName: this.table.tableName,
            Key: toKey(keys.domainClaim(domain)),
            ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :tenantId',
            ExpressionAttributeValues: marshall({ ':tenantId': tenant.id }),
          },
        },
        onConditionFailed: stale(`domain claim ${domain}`),
      })),
    ]);
  }

  /** For dry runs only: the error a domain added to a tenant would meet when another tenant holds it. */
  async findTakenDomain(domain: string): Promise<ExumError | undefined> {
    return firstTaken(this.table, [
      { key: keys.domainClaim(domain), error: () => duplicate('domain', domain, 'domain-belongs-to-one-tenant') },
    ]);
  }

  async get(tenantId: string): Promise<Tenant | undefined> {
    const item = await this.table.getItem(keys.tenant(tenantId), true);
    return item === undefined ? undefined : fromItem(TenantSchema, item);
  }

  async list(cursor: string | null, limit: number): Promise<Page<Tenant>> {
    const partition = listPartitions.tenants();
    return this.table.queryPages(
      {
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: marshall({ ':pk': partition }),
      },
      { cursor, limit, cursorPartition: { attribute: 'gsi1pk', value: partition } },
      (item) => fromItem(TenantSchema, item),
    );
  }
}

/** A domain claim is not this tenant's, or not marked by this removal: nothing to (un)mark. */
class ClaimNotMarkedError extends Error {}
