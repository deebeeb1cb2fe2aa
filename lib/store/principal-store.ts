// Users and contacts (principals) in the table: each by SIP address, with a full copy by line
// URI so a number resolves in one read; their claims (a SIP address or line URI belongs to one
// principal of the tenant), the grant counters of the policy tags they are granted, and the
// lists of a tenant's users and contacts.
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { duplicate, type ExumError } from '../errors.js';
import { ContactSchema } from '../domain/contact.js';
import { PrincipalSchema, type Principal } from '../domain/principal.js';
import { UserSchema } from '../domain/user.js';
import type { PolicyGuard, PrincipalChange, TogetherOutcome, Writer } from './changes.js';
import { firstTaken, firstTakenOfEach, type WantedClaim } from './claims.js';
import { fromItem } from './items.js';
import { keys, listPartitions } from './keys.js';
import { principalWrites } from './principal-writes.js';
import { writePrincipalsTogether } from './principals-together.js';
import type { Page, TableClient } from './table-client.js';
import { tombstoneWrite } from './tombstones.js';

export interface PrincipalFilter {
  enabled?: boolean;
  enterpriseVoiceEnabled?: boolean;
  site?: string;
  /** Exact line URI, or a prefix when it ends with `*`. */
  lineUri?: string;
  hostedVoicemailPolicy?: string;
  registrarPool?: string;
  kind?: string;
  /** The SIP addresses that begin with this (`sip:al`): a key condition, so it reads only those. */
  sipUriPrefix?: string;
  /** Where the principal routes, as the tenant summary counts it (lib/domain/tenant-summary.ts routeOf). */
  route?: 'hosted' | 'onPremises' | 'notRoutable';
}

/** A contact's number, as the gateway learns it (lib/routing/voicemail-numbers.ts). */
export interface ContactNumber {
  sipUri: string;
  displayNumber: string;
  kind: 'subscriber-access' | 'auto-attendant';
  site: string | null;
  onPremisesDialPlan: string | null;
}

export class PrincipalStore {
  constructor(private readonly table: TableClient) {}

  /**
   * Every contact of the tenant that has a display number: one Query of the contacts' list (paged
   * past 1 MB, some thousands of contacts), only the attributes named. The list is an index:
   * eventually consistent, a new contact shows within the index's propagation (usually under a second).
   */
  async listContactNumbers(tenantId: string): Promise<ContactNumber[]> {
    const items = await this.table.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ProjectionExpression: '#sipUri, #displayNumber, #kind, #site, #onPremisesDialPlan',
      ExpressionAttributeNames: {
        '#sipUri': 'sipUri',
        '#displayNumber': 'displayNumber',
        '#kind': 'kind',
        '#site': 'site',
        '#onPremisesDialPlan': 'onPremisesDialPlan',
      },
      ExpressionAttributeValues: marshall({ ':pk': listPartitions.contacts(tenantId) }),
    });
    const numbers: ContactNumber[] = [];
    for (const item of items) {
      const contact = unmarshall(item) as Partial<ContactNumber> & { displayNumber?: string | null };
      if (typeof contact.displayNumber !== 'string' || typeof contact.sipUri !== 'string') continue;
      numbers.push({
        sipUri: contact.sipUri,
        displayNumber: contact.displayNumber,
        kind: contact.kind === 'auto-attendant' ? 'auto-attendant' : 'subscriber-access',
        site: contact.site ?? null,
        onPremisesDialPlan: contact.onPremisesDialPlan ?? null,
      });
    }
    return numbers;
  }

  async get(tenantId: string, sipUri: string, consistent = true): Promise<Principal | undefined> {
    const item = await this.table.getItem(keys.address(tenantId, sipUri), consistent);
    return item === undefined ? undefined : fromItem(PrincipalSchema, item);
  }

  /** Many principals by SIP address in strongly consistent batch reads; absent ones are not in the map. */
  async getMany(tenantId: string, sipUris: readonly string[]): Promise<Map<string, Principal>> {
    const items = await this.table.batchGet(sipUris.map((sipUri) => keys.address(tenantId, sipUri)));
    return new Map(items.map((item) => fromItem(PrincipalSchema, item)).map((principal) => [principal.sipUri, principal]));
  }

  async getByNumber(tenantId: string, lineUri: string, consistent = true): Promise<Principal | undefined> {
    const item = await this.table.getItem(keys.number(tenantId, lineUri), consistent);
    return item === undefined ? undefined : fromItem(PrincipalSchema, item);
  }

  /** How many users and contacts are granted a policy tag (a granted policy cannot be deleted). */
  async getGrantCount(tenantId: string, tag: string): Promise<number> {
    const item = await this.table.getItem(keys.grantCount(tenantId, tag), true);
    return item === undefined ? 0 : Number(unmarshall(item).grants ?? 0);
  }

  /**
   * Creates, replaces or deletes a user or contact with its number copy, claim conditions on the
   * SIP address and line URI, the grant counters of the tags it moves between, and guards on
   * the policies the caller's checks relied on.
   */
  async write(
    tenantId: string,
    before: Principal | null,
    after: Principal | null,
    guards: readonly PolicyGuard[],
    actor: Writer,
    at: string,
  ): Promise<void> {
    const writes = principalWrites(this.table, tenantId, before, after, guards, at);
    if (before !== null && after === null) writes.push(tombstoneWrite(this.table, tenantId, before.type, before.sipUri, before, actor, at));
    await this.table.transact(writes);
  }

  /** Many creations and replacements in as few transactions as possible, each answered on its own (principals-together.ts). */
  async writeTogether(tenantId: string, changes: readonly PrincipalChange[]): Promise<TogetherOutcome[]> {
    return writePrincipalsTogether(this.table, tenantId, changes);
  }

  /**
   * For dry runs only: which of the claims a principal write would make are already taken.
   * The real write enforces the same claims atomically.
   */
  async findTakenClaims(tenantId: string, before: Principal | null, after: Principal): Promise<ExumError | undefined> {
    return firstTaken(this.table, claimsWanted(tenantId, before, after));
  }

  /** findTakenClaims for many changes at once, in batch reads: the claim each would find taken. */
  async findTakenClaimsTogether(
    tenantId: string,
    changes: readonly { before: Principal | null; after: Principal }[],
  ): Promise<(ExumError | undefined)[]> {
    return firstTakenOfEach(
      this.table,
      changes.map(({ before, after }) => claimsWanted(tenantId, before, after)),
    );
  }

  async list(
    tenantId: string,
    type: 'user' | 'contact',
    filter: PrincipalFilter,
    cursor: string | null,
    limit: number,
  ): Promise<Page<Principal>> {
    const partition = type === 'user' ? listPartitions.users(tenantId) : listPartitions.contacts(tenantId);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':pk': partition,
      ...(filter.sipUriPrefix === undefined ? {} : { ':prefix': filter.sipUriPrefix }),
    };
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
    // Written with every principal (principal-writes.ts): records from before it have none and match no route.
    if (filter.route !== undefined) equals('route', filter.route);
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
        KeyConditionExpression: filter.sipUriPrefix === undefined ? 'gsi1pk = :pk' : 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
        ...(conditions.length > 0 ? { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: marshall(values),
      },
      {
        cursor,
        limit,
        cursorPartition: {
          attribute: 'gsi1pk',
          value: partition,
          ...(filter.sipUriPrefix === undefined ? {} : { sortKeyPrefix: { attribute: 'gsi1sk', prefix: filter.sipUriPrefix } }),
        },
      },
      (item) => fromItem(type === 'user' ? UserSchema : ContactSchema, item),
    );
  }
}

/** The claims a principal write makes that it does not already hold: its SIP address and line URI. */
function claimsWanted(tenantId: string, before: Principal | null, after: Principal): WantedClaim[] {
  const wanted: WantedClaim[] = [];
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
