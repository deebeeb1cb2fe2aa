// Tenants in the table: the tenant record, the claims that keep a tenant id and each of its
// domains unique, and the list of tenants operators page through.
import { marshall } from '@aws-sdk/util-dynamodb';
import { duplicate, type ExumError } from '../errors.js';
import type { Edge } from '../domain/edge.js';
import { TenantSchema, type Tenant } from '../domain/tenant.js';
import type { VoicemailPolicy } from '../domain/voicemail-policy.js';
import { firstTaken } from './claims.js';
import { fromItem, toItem, toKey } from './items.js';
import { keys, listPartitions } from './keys.js';
import { absentCondition, stale, type GuardedWrite, type Page, type TableClient } from './table-client.js';

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
    ];
    await this.table.transact(writes);
  }

  /**
   * A tenant's name or domains changed, conditional on the version read. A domain gained is
   * claimed in the same transaction (409 naming the field when another tenant holds it); a
   * domain lost has its claim released, conditional on the claim still being this tenant's.
   */
  async update(before: Tenant, after: Tenant): Promise<void> {
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
            ConditionExpression: 'tenantId = :tenantId',
            ExpressionAttributeValues: marshall({ ':tenantId': before.id }),
          },
        },
        onConditionFailed: stale(`domain claim ${domain}`),
      })),
    ];
    await this.table.transact(writes);
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
