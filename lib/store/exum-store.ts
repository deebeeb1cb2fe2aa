// The one module that talks to DynamoDB: keys, item shapes, conditional writes, transactions
// and the translation of SDK errors. Callers speak in domain records; every write here is
// conditional on the version the caller read, and uniqueness is enforced by claim items
// written in the same transaction (never by read-then-write).
import { randomUUID } from 'node:crypto';
import { PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { duplicate, ExumError, refused } from '../errors.js';
import { ContactSchema } from '../domain/contact.js';
import { CredentialRecordSchema, type CredentialRecord } from '../domain/credential.js';
import { DialPlanSchema, type DialPlan } from '../domain/dial-plan.js';
import { EdgeSchema, type Edge } from '../domain/edge.js';
import { HostingProviderSchema, type HostingProvider } from '../domain/hosting-provider.js';
import { PrincipalSchema, type Principal } from '../domain/principal.js';
import { ReroutingSchema, type Rerouting } from '../domain/rerouting.js';
import { TenantSchema, type Tenant } from '../domain/tenant.js';
import type { ConfigEntity, TenantConfig } from '../domain/tenant-config.js';
import { UserSchema } from '../domain/user.js';
import { VoicemailPolicySchema, type VoicemailPolicy } from '../domain/voicemail-policy.js';
import { configPartition, keys, listPartitions, type Entity, type Key } from './keys.js';
import { entityOf, fromItem, toItem, toKey, type Item } from './items.js';
import { absentCondition, stale, TableClient, versionCondition, type GuardedWrite, type Page } from './table-client.js';

import { StaleReadError } from './sdk-errors.js';

export { StaleReadError };

/** One object of the tenant configuration before and after a write (null: absent). */
export type ConfigChange =
  | { entity: 'edge'; before: Edge; after: Edge }
  | { entity: 'provider'; before: HostingProvider | null; after: HostingProvider | null }
  | { entity: 'policy'; before: VoicemailPolicy | null; after: VoicemailPolicy | null }
  | { entity: 'dial-plan'; before: DialPlan | null; after: DialPlan | null }
  | { entity: 'rerouting'; before: Rerouting | null; after: Rerouting | null };

/** Who writes: recorded on deletions (tombstones) and revocations for the audit trail. */
export interface Writer {
  credentialId: string;
  role: string;
}

/** Tombstones only need to outlive the stream's retention (24 h) for the audit trail to read them. */
const TOMBSTONE_TTL_SECONDS = 2 * 24 * 3600;

/** A policy a principal write relied on: absent, or present at the version read. */
export interface PolicyGuard {
  id: string;
  version: number | null;
}

export type { Page } from './table-client.js';

/** A principal created or replaced, with the policies its decision relied on. */
export interface PrincipalChange {
  before: Principal | null;
  after: Principal;
  guards: readonly PolicyGuard[];
}

/** What became of one change written together with others. */
export type TogetherOutcome = { written: true } | { written: false; error: Error };

/** DynamoDB's limit on the items of one transaction. */
const MAX_TRANSACTION_ITEMS = 100;

/**
 * Cancellations that say nothing about what was read: the same transaction may simply go again.
 * (Throttled ones are thrown as the store being unavailable: resending them would only add load.)
 */
const RETRIED_CANCELLATIONS = new Set(['TransactionConflict']);

/** Resends of one transaction before its changes are handed back as stale (to be decided again). */
const MAX_COLLISIONS = 20;

export interface PrincipalFilter {
  enabled?: boolean;
  enterpriseVoiceEnabled?: boolean;
  site?: string;
  /** Exact line URI, or a prefix when it ends with `*`. */
  lineUri?: string;
  hostedVoicemailPolicy?: string;
  registrarPool?: string;
  kind?: string;
}

export class ExumStore {
  readonly table: TableClient;

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
  ) {
    this.table = new TableClient(client, tableName);
  }

  // --- tenants -------------------------------------------------------------------------------

  /** A tenant with its domain claims, default edge and global policy, all or nothing. */
  async createTenant(tenant: Tenant, edge: Edge, globalPolicy: VoicemailPolicy): Promise<void> {
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

  /** For dry runs only: the tenant id or domains a tenant creation would find taken. */
  async findTakenTenantClaims(tenant: { id: string; domains: readonly string[] }): Promise<ExumError | undefined> {
    const wanted = [
      { key: keys.tenant(tenant.id), error: () => duplicate('id', tenant.id, 'unique-tenant-id') },
      ...tenant.domains.map((domain, index) => ({
        key: keys.domainClaim(domain),
        error: () => duplicate(`domains.${index}`, domain, 'domain-belongs-to-one-tenant'),
      })),
    ];
    return this.firstTaken(wanted);
  }

  async getTenant(tenantId: string): Promise<Tenant | undefined> {
    const item = await this.table.getItem(keys.tenant(tenantId), true);
    return item === undefined ? undefined : fromItem(TenantSchema, item);
  }

  async listTenants(cursor: string | null, limit: number): Promise<Page<Tenant>> {
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

  // --- tenant configuration ------------------------------------------------------------------

  /** The whole routing configuration of a tenant, strongly consistent, in one Query (paged if large). */
  async loadTenantConfig(tenantId: string): Promise<TenantConfig | undefined> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.table.call((client) =>
        client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: marshall({ ':pk': configPartition(tenantId) }),
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);

    let tenant: Tenant | undefined;
    let edge: Edge | undefined;
    const config = { providers: new Map(), policies: new Map(), dialPlans: new Map(), rerouting: new Map() } as Omit<
      TenantConfig,
      'tenant' | 'edge'
    >;
    for (const item of items) {
      switch (entityOf(item)) {
        case 'tenant':
          tenant = fromItem(TenantSchema, item);
          break;
        case 'edge':
          edge = fromItem(EdgeSchema, item);
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
    return { tenant, edge, ...config };
  }

  /**
   * Applies one change to a tenant's configuration. The write is conditional on the tenant's
   * configVersion as read: config writes are serialised per tenant, so the invariants checked
   * on the snapshot (lib/domain/tenant-config.ts) hold when the write lands.
   */
  async writeConfig(config: TenantConfig, change: ConfigChange, updatedAt: string, actor: Writer): Promise<void> {
    const tenantId = config.tenant.id;
    const writes: GuardedWrite[] = [
      {
        write: {
          Update: {
            TableName: this.tableName,
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
        onConditionFailed: sameItem ? stale(change.entity) : () => duplicate('id', idOf(after), `unique-${change.entity}-id`),
      });
    }
    if (before !== null && !sameItem) {
      writes.push({
        write: { Delete: { TableName: this.tableName, Key: toKey(keyOf(before)), ...versionCondition(before.version) } },
        onConditionFailed: stale(change.entity),
      });
      if (after === null) writes.push(this.tombstone(tenantId, change.entity, idOf(before), before, actor, updatedAt));
    }
    if (change.entity === 'provider') writes.push(...this.proxyClaimWrites(tenantId, change.before, change.after));
    if (change.entity === 'policy' && change.before !== null && change.after === null && change.before.id.startsWith('tag:')) {
      const tag = change.before.id.slice('tag:'.length);
      writes.push({
        write: {
          ConditionCheck: {
            TableName: this.tableName,
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
        write: { Delete: { TableName: this.tableName, Key: toKey(keys.proxyClaim(tenantId, before.proxyFqdn)) } },
        onConditionFailed: stale('proxy claim'),
      });
    }
    return writes;
  }

  async getGrantCount(tenantId: string, tag: string): Promise<number> {
    const item = await this.table.getItem(keys.grantCount(tenantId, tag), true);
    return item === undefined ? 0 : Number(unmarshall(item).grants ?? 0);
  }

  // --- users and contacts --------------------------------------------------------------------

  async getPrincipal(tenantId: string, sipUri: string, consistent = true): Promise<Principal | undefined> {
    const item = await this.table.getItem(keys.address(tenantId, sipUri), consistent);
    return item === undefined ? undefined : fromItem(PrincipalSchema, item);
  }

  /** Many principals by SIP address in strongly consistent batch reads; absent ones are not in the map. */
  async getPrincipals(tenantId: string, sipUris: readonly string[]): Promise<Map<string, Principal>> {
    const items = await this.table.batchGet(sipUris.map((sipUri) => keys.address(tenantId, sipUri)));
    return new Map(items.map((item) => fromItem(PrincipalSchema, item)).map((principal) => [principal.sipUri, principal]));
  }

  async getPrincipalByNumber(tenantId: string, lineUri: string, consistent = true): Promise<Principal | undefined> {
    const item = await this.table.getItem(keys.number(tenantId, lineUri), consistent);
    return item === undefined ? undefined : fromItem(PrincipalSchema, item);
  }

  /**
   * Creates, replaces or deletes a user or contact with its number copy, claim conditions on the
   * SIP address and line URI, the grant counters of the tags it moves between, and guards on
   * the policies the caller's checks relied on.
   */
  async writePrincipal(
    tenantId: string,
    before: Principal | null,
    after: Principal | null,
    guards: readonly PolicyGuard[],
    actor: Writer,
    at: string,
  ): Promise<void> {
    const writes = this.principalWrites(tenantId, before, after, guards);
    if (before !== null && after === null) writes.push(this.tombstone(tenantId, before.type, before.sipUri, before, actor, at));
    await this.table.transact(writes);
  }

  /**
   * Deletes leave a short-lived tombstone in the same transaction: who deleted what. The audit
   * trail, written from the stream, reads it (a REMOVE record does not say who removed the item).
   */
  private tombstone(tenantId: string, objectType: string, objectId: string, before: object, actor: Writer, at: string): GuardedWrite {
    const tombstone = {
      objectType,
      objectId,
      before,
      deletedBy: actor,
      deletedAt: at,
      expiresAt: Math.floor(Date.parse(at) / 1000) + TOMBSTONE_TTL_SECONDS,
    };
    return {
      write: this.table.put(toItem(keys.tombstone(tenantId, randomUUID()), 'tombstone', tombstone), absentCondition),
      onConditionFailed: stale('tombstone'),
    };
  }

  /** The writes of writePrincipal, for transactions that change a principal along with other items. */
  principalWrites(
    tenantId: string,
    before: Principal | null,
    after: Principal | null,
    guards: readonly PolicyGuard[] = [],
  ): GuardedWrite[] {
    const grantWrites = [...grantDeltas([{ before, after }])].map(([tag, delta]) => this.grantCountDelta(tenantId, tag, delta));
    return [
      ...this.principalItemWrites(tenantId, before, after),
      ...grantWrites,
      ...guards.map((guard) => this.policyGuard(tenantId, guard)),
    ];
  }

  /**
   * Writes many principal changes (creations and replacements, decided on one configuration
   * snapshot) in as few transactions as possible: up to 100 items each, grant counters summed per
   * tag, policy guards checked once. Each change is answered on its own: written, refused (a
   * claim taken: the duplicate error) or stale (it lost a race; decide it again). A transaction
   * cancelled for some changes is sent again without them, so one bad change costs the others
   * nothing.
   */
  async writePrincipalsTogether(tenantId: string, changes: readonly PrincipalChange[]): Promise<TogetherOutcome[]> {
    const outcomes: TogetherOutcome[] = changes.map(() => ({ written: false, error: new StaleReadError('not written') }));
    for (const group of this.packTransactions(tenantId, changes)) {
      let members = group;
      for (let collisions = 0; members.length > 0;) {
        const { writes, owners } = this.togetherWrites(
          tenantId,
          members.map((index) => ({ index, change: changes[index]! })),
        );
        const failures = await this.table.transactOrFailures(writes);
        if (failures === undefined) {
          for (const index of members) outcomes[index] = { written: true };
          break;
        }
        const conditionFailures = failures.filter((failure) => failure.code === 'ConditionalCheckFailed');
        if (conditionFailures.length === 0) {
          // Another transaction held one of these items (a grant counter, most often, when several
          // batches grant one tag): nothing read is wrong, so the same writes go again, a little later.
          if (!failures.every((failure) => RETRIED_CANCELLATIONS.has(failure.code)))
            throw new ExumError('internal', `transaction cancelled: ${failures.map((failure) => failure.code).join(', ')}`);
          if (++collisions > MAX_COLLISIONS) break;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** collisions)));
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
    return outcomes;
  }

  /**
   * Groups changes, in order, into transactions of at most 100 items. A change touching an item
   * already in the group (one row takes the number another gives up) starts the next group, so
   * the two land in the order given.
   */
  private packTransactions(tenantId: string, changes: readonly PrincipalChange[]): number[][] {
    const groups: number[][] = [];
    let group: number[] = [];
    let touched = new Set<string>();
    let shared = new Set<string>();
    changes.forEach((change, index) => {
      const own = this.principalItemWrites(tenantId, change.before, change.after).map(({ write }) => itemKeyOf(write));
      const sharedKeys = [...grantDeltas([change]).keys()]
        .map((tag) => `grant:${tag}`)
        .concat(change.guards.map((guard) => `guard:${guard.id}`));
      const sharedAfter = new Set([...shared, ...sharedKeys]);
      const collides = own.some((key) => touched.has(key));
      if (group.length > 0 && (collides || touched.size + own.length + sharedAfter.size > MAX_TRANSACTION_ITEMS)) {
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
  private togetherWrites(tenantId: string, members: { index: number; change: PrincipalChange }[]) {
    const writes: GuardedWrite[] = [];
    const owners: (number | undefined)[] = [];
    for (const { index, change } of members) {
      for (const write of this.principalItemWrites(tenantId, change.before, change.after)) {
        writes.push(write);
        owners.push(index);
      }
    }
    for (const [tag, delta] of grantDeltas(members.map(({ change }) => change))) {
      if (delta !== 0) writes.push(this.grantCountDelta(tenantId, tag, delta));
    }
    const guards = new Map(members.flatMap(({ change }) => change.guards.map((guard) => [guard.id, guard] as const)));
    for (const guard of guards.values()) writes.push(this.policyGuard(tenantId, guard));
    return { writes, owners };
  }

  /** The principal's own items: its record by SIP address and its number copy. */
  private principalItemWrites(tenantId: string, before: Principal | null, after: Principal | null): GuardedWrite[] {
    const writes: GuardedWrite[] = [];
    const numberField = (principal: Principal) => (principal.type === 'contact' ? 'displayNumber' : 'lineUri');

    if (after !== null) {
      const sameAddress = before !== null && before.sipUri === after.sipUri;
      writes.push({
        write: this.table.put(
          toItem(keys.address(tenantId, after.sipUri), after.type, after, {
            gsi1pk: after.type === 'user' ? listPartitions.users(tenantId) : listPartitions.contacts(tenantId),
            gsi1sk: after.sipUri,
          }),
          sameAddress ? versionCondition(before.version) : absentCondition,
        ),
        onConditionFailed: sameAddress
          ? stale(after.sipUri)
          : () => duplicate('sipUri', after.sipUri, 'unique-sip-address-across-users-and-contacts'),
      });
      if (after.lineUri !== null) {
        const sameNumber = before !== null && before.lineUri === after.lineUri;
        writes.push({
          write: this.table.put(
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
            Delete: { TableName: this.tableName, Key: toKey(keys.address(tenantId, before.sipUri)), ...versionCondition(before.version) },
          },
          onConditionFailed: stale(before.sipUri),
        });
      }
      if (before.lineUri !== null && (after === null || after.lineUri !== before.lineUri)) {
        writes.push({
          write: { Delete: { TableName: this.tableName, Key: toKey(keys.number(tenantId, before.lineUri)), ...ownedCondition(before) } },
          onConditionFailed: stale(before.lineUri),
        });
      }
    }
    return writes;
  }

  /** A policy a decision relied on is still as it was read (absent, or at that version). */
  private policyGuard(tenantId: string, guard: PolicyGuard): GuardedWrite {
    return {
      write: {
        ConditionCheck: {
          TableName: this.tableName,
          Key: toKey(keys.policy(tenantId, guard.id)),
          ...(guard.version === null ? absentCondition : versionCondition(guard.version)),
        },
      },
      onConditionFailed: stale(`policy ${guard.id}`),
    };
  }

  private grantCountDelta(tenantId: string, tag: string, delta: number): GuardedWrite {
    return {
      write: {
        Update: {
          TableName: this.tableName,
          Key: toKey(keys.grantCount(tenantId, tag)),
          UpdateExpression: 'ADD grants :delta SET entity = :entity',
          ExpressionAttributeValues: marshall({ ':delta': delta, ':entity': 'grant-count' satisfies Entity }),
        },
      },
      onConditionFailed: stale(`grant count ${tag}`),
    };
  }

  /**
   * For dry runs only: which of the claims a principal write would make are already taken.
   * The real write enforces the same claims atomically.
   */
  async findTakenClaims(tenantId: string, before: Principal | null, after: Principal): Promise<ExumError | undefined> {
    return this.firstTaken(this.claimsWanted(tenantId, before, after));
  }

  /** findTakenClaims for many changes at once, in batch reads: the claim each would find taken. */
  async findTakenClaimsTogether(
    tenantId: string,
    changes: readonly { before: Principal | null; after: Principal }[],
  ): Promise<(ExumError | undefined)[]> {
    const wanted = changes.map(({ before, after }) => this.claimsWanted(tenantId, before, after));
    const items = await this.table.batchGet(
      wanted.flat().map(({ key }) => key),
      'pk, sk',
    );
    const found = new Set(items.map((item) => `${item.pk?.S}|${item.sk?.S}`));
    return wanted.map((claims) => claims.find(({ key }) => found.has(`${key.pk}|${key.sk}`))?.error());
  }

  private claimsWanted(tenantId: string, before: Principal | null, after: Principal): { key: Key; error: () => ExumError }[] {
    const wanted: { key: Key; error: () => ExumError }[] = [];
    if (before?.sipUri !== after.sipUri) {
      wanted.push({
        key: keys.address(tenantId, after.sipUri),
        error: () => duplicate('sipUri', after.sipUri, 'unique-sip-address-across-users-and-contacts'),
      });
    }
    if (after.lineUri !== null && before?.lineUri !== after.lineUri) {
      const field = after.type === 'contact' ? 'displayNumber' : 'lineUri';
      wanted.push({
        key: keys.number(tenantId, after.lineUri),
        error: () => duplicate(field, after.lineUri ?? '', 'unique-line-uri-across-users-and-contacts'),
      });
    }
    return wanted;
  }

  private async firstTaken(wanted: { key: Key; error: () => ExumError }[]): Promise<ExumError | undefined> {
    const items = await this.table.batchGet(
      wanted.map(({ key }) => key),
      'pk, sk',
    );
    const found = new Set(items.map((item) => `${item.pk?.S}|${item.sk?.S}`));
    return wanted.find(({ key }) => found.has(`${key.pk}|${key.sk}`))?.error();
  }

  async listPrincipals(
    tenantId: string,
    type: 'user' | 'contact',
    filter: PrincipalFilter,
    cursor: string | null,
    limit: number,
  ): Promise<Page<Principal>> {
    const partition = type === 'user' ? listPartitions.users(tenantId) : listPartitions.contacts(tenantId);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':pk': partition };
    const conditions: string[] = [];
    const equals = (attribute: string, value: unknown) => {
      names[`#${attribute}`] = attribute;
      values[`:${attribute}`] = value;
      conditions.push(`#${attribute} = :${attribute}`);
    };
    if (filter.enabled !== undefined) equals('enabled', filter.enabled);
    if (filter.enterpriseVoiceEnabled !== undefined) equals('enterpriseVoiceEnabled', filter.enterpriseVoiceEnabled);
    if (filter.site !== undefined) equals('site', filter.site);
    if (filter.hostedVoicemailPolicy !== undefined) equals('hostedVoicemailPolicy', filter.hostedVoicemailPolicy);
    if (filter.registrarPool !== undefined) equals('registrarPool', filter.registrarPool);
    if (filter.kind !== undefined) equals('kind', filter.kind);
    if (filter.lineUri !== undefined) {
      if (filter.lineUri.endsWith('*')) {
        names['#lineUri'] = 'lineUri';
        values[':lineUriPrefix'] = filter.lineUri.slice(0, -1);
        conditions.push('begins_with(#lineUri, :lineUriPrefix)');
      } else {
        equals('lineUri', filter.lineUri);
      }
    }
    return this.table.queryPages(
      {
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ...(conditions.length > 0 ? { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: marshall(values),
      },
      { cursor, limit, cursorPartition: { attribute: 'gsi1pk', value: partition } },
      (item) => fromItem(type === 'user' ? UserSchema : ContactSchema, item),
    );
  }

  // --- credentials ---------------------------------------------------------------------------

  /** Stores a new credential; a provider credential requires its provider to exist. */
  async createCredential(record: CredentialRecord): Promise<void> {
    const writes: GuardedWrite[] = [
      {
        write: this.table.put(toItem(keys.credential(record.tokenHash), 'credential', record), absentCondition),
        onConditionFailed: () => new ExumError('internal', 'token hash collision'),
      },
      {
        write: this.table.put(toItem(keys.credentialRecord(record.tenantId, record.id), 'credential-record', record), absentCondition),
        onConditionFailed: () => duplicate('id', record.id, 'unique-credential-id'),
      },
    ];
    if (record.providerId !== null && record.tenantId !== null) {
      writes.push({
        write: {
          ConditionCheck: {
            TableName: this.tableName,
            Key: toKey(keys.provider(record.tenantId, record.providerId)),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        onConditionFailed: () => refused('providerId', 'provider-exists', `hosting provider ${record.providerId} does not exist`),
      });
    }
    await this.table.transact(writes);
  }

  /** Installs (or replaces) an operator credential whose token is given, e.g. from the environment. */
  async putOperatorCredential(record: CredentialRecord): Promise<void> {
    await this.table.call((client) =>
      client.send(new PutItemCommand({ TableName: this.tableName, Item: toItem(keys.credential(record.tokenHash), 'credential', record) })),
    );
  }

  async getCredentialByTokenHash(tokenHash: string): Promise<CredentialRecord | undefined> {
    const item = await this.table.getItem(keys.credential(tokenHash), false);
    return item === undefined ? undefined : fromItem(CredentialRecordSchema, item);
  }

  async getCredentialRecord(tenantId: string | null, id: string): Promise<CredentialRecord | undefined> {
    const item = await this.table.getItem(keys.credentialRecord(tenantId, id), true);
    return item === undefined ? undefined : fromItem(CredentialRecordSchema, item);
  }

  async listCredentials(tenantId: string, cursor: string | null, limit: number): Promise<Page<CredentialRecord>> {
    const partition = keys.credentialRecord(tenantId, '').pk;
    return this.table.queryPages(
      { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: marshall({ ':pk': partition }), ConsistentRead: true },
      { cursor, limit, cursorPartition: { attribute: 'pk', value: partition } },
      (item) => fromItem(CredentialRecordSchema, item),
    );
  }

  /** Revocation deletes the token's lookup item (authentication fails at once) and keeps the record. */
  async revokeCredential(record: CredentialRecord, revokedAt: string, revokedBy: Writer): Promise<void> {
    await this.table.transact([
      {
        write: { Delete: { TableName: this.tableName, Key: toKey(keys.credential(record.tokenHash)) } },
        onConditionFailed: stale('credential'),
      },
      {
        write: {
          Update: {
            TableName: this.tableName,
            Key: toKey(keys.credentialRecord(record.tenantId, record.id)),
            UpdateExpression: 'SET revokedAt = :now, revokedBy = :by',
            ConditionExpression: 'attribute_exists(pk) AND revokedAt = :null',
            ExpressionAttributeValues: marshall({ ':now': revokedAt, ':by': revokedBy, ':null': null }),
          },
        },
        onConditionFailed: stale('credential'),
      },
    ]);
  }
}

type ConfigRecord = NonNullable<ConfigChange['after']>;

/** How the grant counters move when principals change their granted tag, summed per tag. */
function grantDeltas(changes: readonly { before: Principal | null; after: Principal | null }[]): Map<string, number> {
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

/** The table key a transaction write touches, to keep two writes of one item apart. */
function itemKeyOf(write: GuardedWrite['write']): string {
  const key = write.Put?.Item ?? write.Delete?.Key ?? write.Update?.Key ?? write.ConditionCheck?.Key;
  return `${String(key?.pk?.S)}|${String(key?.sk?.S)}`;
}

/** The edge is a singleton; every other configuration record has an id. */
const idOf = (record: ConfigRecord): string => ('id' in record ? record.id : 'edge');

const configKey = (tenantId: string, entity: ConfigEntity, id: string): Key => {
  switch (entity) {
    case 'edge':
      return keys.edge(tenantId);
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

/** A number copy belongs to the principal it was written for, at the version it was written. */
const ownedCondition = (owner: Principal) => ({
  ConditionExpression: '#sipUri = :owner AND #version = :version',
  ExpressionAttributeNames: { '#sipUri': 'sipUri', '#version': 'version' },
  ExpressionAttributeValues: marshall({ ':owner': owner.sipUri, ':version': owner.version }),
});
