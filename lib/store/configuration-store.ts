// A tenant's routing configuration in the table: the tenant's configuration partition (tenant
// record, edge, hosting providers, policies, dial plans, rerouting), loaded whole in one Query,
// and its changes, serialised per tenant by the tenant's configVersion.
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { duplicate, ExumError, refused } from '../errors.js';
import { DialPlanSchema } from '../domain/dial-plan.js';
import { EdgeSchema, type Edge } from '../domain/edge.js';
import { StoredGatewaySettingsSchema, type StoredGatewaySettings } from '../domain/gateway-settings.js';
import { HostingProviderSchema, type HostingProvider } from '../domain/hosting-provider.js';
import { ReroutingSchema } from '../domain/rerouting.js';
import { TenantSchema, type Tenant } from '../domain/tenant.js';
import type { ConfigEntity, TenantConfig } from '../domain/tenant-config.js';
import { VoicemailPolicySchema } from '../domain/voicemail-policy.js';
import type { ConfigChange, Writer } from './changes.js';
import { entityOf, fromItem, toItem, toKey } from './items.js';
import { configPartition, keys, type Key } from './keys.js';
import { absentCondition, stale, versionCondition, type GuardedWrite, type TableClient } from './table-client.js';
import { tombstoneWrite } from './tombstones.js';

export class ConfigurationStore {
  constructor(private readonly table: TableClient) {}

  /** The whole routing configuration of a tenant, strongly consistent, in one Query (paged if large). */
  async load(tenantId: string): Promise<TenantConfig | undefined> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: marshall({ ':pk': configPartition(tenantId) }),
      ConsistentRead: true,
    });

    let tenant: Tenant | undefined;
    let edge: Edge | undefined;
    let gatewaySettings: StoredGatewaySettings | null = null;
    const config = { providers: new Map(), policies: new Map(), dialPlans: new Map(), rerouting: new Map() } as Omit<
      TenantConfig,
      'tenant' | 'edge' | 'gatewaySettings'
    >;
    for (const item of items) {
      switch (entityOf(item)) {
        case 'tenant':
          tenant = fromItem(TenantSchema, item);
          break;
        case 'edge':
          edge = fromItem(EdgeSchema, item);
          break;
        case 'gateway-settings':
          gatewaySettings = fromItem(StoredGatewaySettingsSchema, item);
          break;
        case 'provider': {
          const p = fromItem(HostingProviderSchema, item);
          config.providers.set(p.id, p);
          break;
        }
        case 'policy': {
          const p = fromItem(VoicemailPolicySchema, item);
          config.policies.set(p.id, p);
          break;
        }
        case 'dial-plan': {
          const d = fromItem(DialPlanSchema, item);
          config.dialPlans.set(d.id, d);
          break;
        }
        case 'rerouting': {
          const r = fromItem(ReroutingSchema, item);
          config.rerouting.set(r.id, r);
          break;
        }
        default:
          break; // claim items
      }
    }
    if (tenant === undefined) return undefined;
    if (edge === undefined) throw new ExumError('internal', `tenant ${tenantId} has no edge configuration`);
    return { tenant, edge, gatewaySettings, ...config };
  }

  /**
   * Applies one change to a tenant's configuration. The write is conditional on the tenant's
   * configVersion as read: config writes are serialised per tenant, so the invariants checked
   * on the snapshot (lib/domain/tenant-config.ts) hold when the write lands.
   */
  async write(config: TenantConfig, change: ConfigChange, updatedAt: string, actor: Writer): Promise<void> {
    const tenantId = config.tenant.id;
    const tableName = this.table.tableName;
    const writes: GuardedWrite[] = [
      {
        write: {
          Update: {
            TableName: tableName,
            Key: toKey(keys.tenant(tenantId)),
            UpdateExpression: 'SET configVersion = configVersion + :one, updatedAt = :now',
            ConditionExpression: 'configVersion = :read',
            ExpressionAttributeValues: marshall({ ':one': 1, ':now': updatedAt, ':read': config.tenant.configVersion }),
          },
        },
        onConditionFailed: stale('tenant configuration'),
      },
    ];
    const keyOf = (record: ConfigRecord): Key => configKey(tenantId, change.entity, idOf(record));
    const { before, after } = change;
    const sameItem = before !== null && after !== null && idOf(before) === idOf(after);
    if (after !== null) {
      writes.push({
        write: this.table.put(toItem(keyOf(after), change.entity, after), sameItem ? versionCondition(before.version) : absentCondition),
        // A singleton written for the first time lost a race to another first write: read again.
        onConditionFailed:
          sameItem || change.entity === 'gateway-settings'
            ? stale(change.entity)
            : () => duplicate('id', idOf(after), `unique-${change.entity}-id`),
      });
    }
    if (before !== null && !sameItem) {
      writes.push({
        write: { Delete: { TableName: tableName, Key: toKey(keyOf(before)), ...versionCondition(before.version) } },
        onConditionFailed: stale(change.entity),
      });
      if (after === null) writes.push(tombstoneWrite(this.table, tenantId, change.entity, idOf(before), before, actor, updatedAt));
    }
    if (change.entity === 'provider') writes.push(...this.proxyClaimWrites(tenantId, change.before, change.after));
    if (change.entity === 'policy' && change.before !== null && change.after === null && change.before.id.startsWith('tag:')) {
      const tag = change.before.id.slice('tag:'.length);
      writes.push({
        write: {
          ConditionCheck: {
            TableName: tableName,
            Key: toKey(keys.grantCount(tenantId, tag)),
            ConditionExpression: 'attribute_not_exists(grants) OR grants = :zero',
            ExpressionAttributeValues: marshall({ ':zero': 0 }),
          },
        },
        onConditionFailed: (current) =>
          refused(
            'id',
            'policy-not-granted',
            `policy ${change.before?.id} is granted to ${current === undefined ? 'some' : unmarshall(current).grants} users or contacts: revoke it first`,
          ),
      });
    }
    await this.table.transact(writes);
  }

  private proxyClaimWrites(tenantId: string, before: HostingProvider | null, after: HostingProvider | null): GuardedWrite[] {
    if (before?.proxyFqdn === after?.proxyFqdn) return [];
    const writes: GuardedWrite[] = [];
    if (after !== null) {
      writes.push({
        write: this.table.put(toItem(keys.proxyClaim(tenantId, after.proxyFqdn), 'proxy-claim', { providerId: after.id }), absentCondition),
        onConditionFailed: () => duplicate('proxyFqdn', after.proxyFqdn, 'unique-proxy-fqdn'),
      });
    }
    if (before !== null) {
      writes.push({
        write: { Delete: { TableName: this.table.tableName, Key: toKey(keys.proxyClaim(tenantId, before.proxyFqdn)) } },
        onConditionFailed: stale('proxy claim'),
      });
    }
    return writes;
  }
}

type ConfigRecord = NonNullable<ConfigChange['after']>;

/** The edge and the gateway settings are singletons; every other configuration record has an id. */
const idOf = (record: ConfigRecord): string => ('id' in record ? record.id : 'routingMode' in record ? 'edge' : 'gateway-settings');

const configKey = (tenantId: string, entity: ConfigEntity, id: string): Key => {
  switch (entity) {
    case 'edge':
      return keys.edge(tenantId);
    case 'gateway-settings':
      return keys.gatewaySettings(tenantId);
    case 'provider':
      return keys.provider(tenantId, id);
    case 'policy':
      return keys.policy(tenantId, id);
    case 'dial-plan':
      return keys.dialPlan(tenantId, id);
    case 'rerouting':
      return keys.rerouting(tenantId, id);
  }
};
