// Every key of the single table. All tenant data lives under partitions that start with
// `T#<tenant>#`, so no key built for one tenant can address another tenant's items.

export type Entity =
  | 'tenant'
  | 'edge'
  | 'provider'
  | 'proxy-claim'
  | 'policy'
  | 'dial-plan'
  | 'rerouting'
  | 'grant-count'
  | 'user'
  | 'contact'
  | 'number'
  | 'domain-claim'
  | 'credential'
  | 'credential-record';

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
  provider: (tenantId: string, id: string): Key => ({ pk: configPartition(tenantId), sk: `PROVIDER#${id}` }),
  proxyClaim: (tenantId: string, proxyFqdn: string): Key => ({ pk: configPartition(tenantId), sk: `PROXYFQDN#${proxyFqdn}` }),
  policy: (tenantId: string, id: string): Key => ({ pk: configPartition(tenantId), sk: `POLICY#${id}` }),
  dialPlan: (tenantId: string, id: string): Key => ({ pk: configPartition(tenantId), sk: `DIALPLAN#${id}` }),
  rerouting: (tenantId: string, id: string): Key => ({ pk: configPartition(tenantId), sk: `REROUTING#${id}` }),
  /** How many users and contacts are granted a tag: a policy in use cannot be deleted. */
  grantCount: (tenantId: string, tag: string): Key => ({ pk: `${tenantPrefix(tenantId)}GRANTS`, sk: tag }),
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
};

export const listPartitions = {
  users: (tenantId: string) => `${tenantPrefix(tenantId)}USER`,
  contacts: (tenantId: string) => `${tenantPrefix(tenantId)}CONTACT`,
  tenants: () => 'TENANTS',
};

export const configSortKeyPrefix = {
  provider: 'PROVIDER#',
  policy: 'POLICY#',
  'dial-plan': 'DIALPLAN#',
  rerouting: 'REROUTING#',
} as const;
