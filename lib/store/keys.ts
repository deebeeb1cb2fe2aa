// Every key of the single table. All tenant data lives under partitions that start with
// `T#<tenant>#`, so no key built for one tenant can address another tenant's items.

export type Entity =
  | 'tenant'
  | 'edge'
  | 'gateway-settings'
  | 'provider'
  | 'proxy-claim'
  | 'policy'
  | 'dial-plan'
  | 'rerouting'
  | 'grant-count'
  | 'summary-counter'
  | 'user'
  | 'contact'
  | 'number'
  | 'domain-claim'
  | 'credential'
  | 'credential-record'
  | 'migration'
  | 'migration-user'
  | 'migration-claim'
  | 'migration-request'
  | 'migration-enrollment'
  | 'delivery'
  | 'dead-letter'
  | 'audit'
  | 'tombstone';

export interface Key {
  pk: string;
  sk: string;
}

const tenantPrefix = (tenantId: string) => `T#${tenantId}#`;

/** The tenant's configuration partition: one Query loads the whole routing configuration. */
export const configPartition = (tenantId: string) => `${tenantPrefix(tenantId)}CONFIG`;

export const keys = {
  tenant: (tenantId: string): Key => ({ pk: configPartition(tenantId), sk: 'TENANT' }),
  edge: (tenantId: string): Key => ({ pk: configPartition(tenantId), sk: 'EDGE' }),
  /** The tenant's gateway settings (stale-if-error); absent until first written: the defaults apply. */
  gatewaySettings: (tenantId: string): Key => ({ pk: configPartition(tenantId), sk: 'GATEWAYSETTINGS' }),
  provider: (tenantId: string, id: string): Key => ({ pk: configPartition(tenantId), sk: `PROVIDER#${id}` }),
  proxyClaim: (tenantId: string, proxyFqdn: string): Key => ({ pk: configPartition(tenantId), sk: `PROXYFQDN#${proxyFqdn}` }),
  policy: (tenantId: string, id: string): Key => ({ pk: configPartition(tenantId), sk: `POLICY#${id}` }),
  dialPlan: (tenantId: string, id: string): Key => ({ pk: configPartition(tenantId), sk: `DIALPLAN#${id}` }),
  rerouting: (tenantId: string, id: string): Key => ({ pk: configPartition(tenantId), sk: `REROUTING#${id}` }),
  /** How many users and contacts are granted a tag: a policy in use cannot be deleted. */
  grantCount: (tenantId: string, tag: string): Key => ({ pk: `${tenantPrefix(tenantId)}GRANTS`, sk: tag }),
  /**
   * The tenant summary's counters: shards that every user and contact write adds its deltas to, and
   * the baseline a recount writes (summary-store.ts). One Query on the partition reads them all.
   */
  summaryCounter: (tenantId: string, name: string): Key => ({ pk: summaryPartition(tenantId), sk: name }),
  /** A user or contact by SIP address (unique across both). */
  address: (tenantId: string, sipUri: string): Key => ({ pk: `${tenantPrefix(tenantId)}ADDR#${sipUri}`, sk: 'PRINCIPAL' }),
  /** A user or contact by line URI: a full copy of the record, so a number resolves in one read. */
  number: (tenantId: string, lineUri: string): Key => ({ pk: `${tenantPrefix(tenantId)}NUM#${lineUri}`, sk: 'PRINCIPAL' }),
  domainClaim: (domain: string): Key => ({ pk: `DOMAIN#${domain}`, sk: 'CLAIM' }),
  /** A credential by the SHA-256 of its token: what authentication reads. */
  credential: (tokenHash: string): Key => ({ pk: `CRED#${tokenHash}`, sk: 'CREDENTIAL' }),
  /** A credential by id, for listing and revocation; tenantId null for operators. */
  credentialRecord: (tenantId: string | null, id: string): Key => ({
    pk: tenantId === null ? 'OPERATOR#CREDENTIALS' : `${tenantPrefix(tenantId)}CREDENTIALS`,
    sk: id,
  }),
  migration: (tenantId: string, id: string): Key => ({ pk: migrationPartition(tenantId, id), sk: 'MIGRATION' }),
  migrationUser: (tenantId: string, id: string, sipUri: string): Key => ({ pk: migrationPartition(tenantId, id), sk: `USER#${sipUri}` }),
  /** What a migration was asked to enroll (SIP addresses in chunks, or the filter), read by its enrollment. */
  migrationEnrollment: (tenantId: string, id: string, chunk: number): Key => ({
    pk: migrationPartition(tenantId, id),
    sk: `ENROLL#${String(chunk).padStart(4, '0')}`,
  }),
  /** A user's open migration, beside the user: a user is in at most one open migration. */
  migrationClaim: (tenantId: string, sipUri: string): Key => ({ pk: `${tenantPrefix(tenantId)}ADDR#${sipUri}`, sk: 'MIGRATION' }),
  /** The migration a start request created, by the request's fingerprint: a retried request answers it. */
  migrationRequest: (tenantId: string, fingerprint: string): Key => ({
    pk: `${tenantPrefix(tenantId)}MIGRATIONREQUEST#${fingerprint}`,
    sk: 'REQUEST',
  }),
  /** Attempts to deliver one provider event. */
  delivery: (tenantId: string, eventId: string): Key => ({ pk: `${tenantPrefix(tenantId)}DELIVERY#${eventId}`, sk: 'DELIVERY' }),
  deadLetter: (tenantId: string | null, at: string, id: string): Key => ({
    pk: tenantId === null ? 'OPERATOR#DEADLETTERS' : `${tenantPrefix(tenantId)}DEADLETTERS`,
    sk: `${at}#${id}`,
  }),
  audit: (tenantId: string, at: string, id: string): Key => ({ pk: `${tenantPrefix(tenantId)}AUDIT`, sk: `${at}#${id}` }),
  /** Who deleted what: written with every delete, read by the audit trail from the stream. */
  tombstone: (tenantId: string, id: string): Key => ({ pk: `${tenantPrefix(tenantId)}TOMBSTONE#${id}`, sk: 'TOMBSTONE' }),
};

export const summaryPartition = (tenantId: string) => `${tenantPrefix(tenantId)}SUMMARY`;

export const migrationPartition = (tenantId: string, id: string) => `${tenantPrefix(tenantId)}MIGRATION#${id}`;

/** The tenant a tenant-scoped key belongs to, or null for global items (domains, credentials, checkpoints). */
export const tenantOfKey = (pk: string): string | null => /^T#([^#]+)#/.exec(pk)?.[1] ?? null;

export const listPartitions = {
  users: (tenantId: string) => `${tenantPrefix(tenantId)}USER`,
  contacts: (tenantId: string) => `${tenantPrefix(tenantId)}CONTACT`,
  tenants: () => 'TENANTS',
  migrations: (tenantId: string) => `${tenantPrefix(tenantId)}MIGRATIONS`,
};
