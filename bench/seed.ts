// Seeds a benchmark tenant: configuration through the use cases, and users in bulk with
// BatchWriteItem (a bench-only shortcut: the items are shaped exactly as store.principals.write
// writes them, see lib/store/principal-writes.ts, without the uniqueness transaction, which
// seeding fresh unique data does not need).
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Actor, CredentialCreate } from '../lib/domain/credential.js';
import type { User } from '../lib/domain/user.js';
import { hostingProviders, dialPlans, putEdge, voicemailPolicies } from '../lib/management/tenant-configuration.js';
import { createCredential, createTenant } from '../lib/management/tenants.js';
import type { ManagementDeps } from '../lib/management/write-context.js';
import { toItem } from '../lib/store/items.js';
import { keys, listPartitions } from '../lib/store/keys.js';

const actor: Actor = { credentialId: 'cred_bench', role: 'operator', tenantId: null, providerId: null };
const write = { dryRun: false, ifMatch: null } as const;

export const TENANT = 'benchco';

/** A credential of the bench tenant, made through the use case as an operator would: its token. */
export async function seedToken(deps: ManagementDeps, input: CredentialCreate): Promise<string> {
  const outcome = await createCredential(deps, actor, TENANT, input, write);
  if (outcome.dryRun || outcome.record === null) throw new Error(`no ${input.role} credential`);
  return outcome.record.token;
}

/** Where the bench tenant's calls go: by default three TLS UM servers no call reaches, and no edge hop (the resolve benchmarks). */
export interface BenchHops {
  edgeNextHop: string | null;
  voipSecurity: 'secured' | 'unsecured';
  umServers: { fqdn: string; port: number; transport: 'tls' | 'tcp' | 'udp' }[];
}
const RESOLVE_ONLY: BenchHops = {
  edgeNextHop: null,
  voipSecurity: 'secured',
  umServers: [1, 2, 3].map((n) => ({ fqdn: `um0${n}.bench.local`, port: 5061, transport: 'tls' as const })),
};

export async function seedTenantConfig(deps: ManagementDeps, hops: BenchHops = RESOLVE_ONLY): Promise<void> {
  await createTenant(deps, actor, { id: TENANT, name: 'Bench Co', domains: ['bench.example.com'] }, write);
  await putEdge(deps, actor, TENANT, { routingMode: 'dns-srv', allowFederatedUsers: true, nextHop: hops.edgeNextHop }, write);
  await hostingProviders.create(
    deps,
    actor,
    TENANT,
    {
      id: 'exo',
      proxyFqdn: 'exap.um.outlook.com',
      enabled: true,
      sharedAddressSpace: true,
      hostsUsers: false,
      isLocal: false,
      verificationLevel: 'always-verifiable',
      eventEndpoint: null,
    },
    write,
  );
  await voicemailPolicies.create(
    deps,
    actor,
    TENANT,
    { id: 'tag:ExOnline', destination: 'exap.um.outlook.com', organizations: ['bench.onmicrosoft.com'], description: '' },
    write,
  );
  await dialPlans.create(
    deps,
    actor,
    TENANT,
    {
      id: 'dp.bench.example.com',
      uriType: 'sip-name',
      voipSecurity: hops.voipSecurity,
      servers: hops.umServers.map((server) => ({ ...server, exchangeVersion: 15 })),
    },
    write,
  );
}

export const userSipUri = (index: number) => `sip:user${index}@bench.example.com`;
export const userLineUri = (index: number) => `tel:+1425${String(index).padStart(7, '0')}`;

/** autocannon's requests for a gateway: 64 resolutions over seeded users (every `stride`th), SIP addresses and numbers in turn. */
export const resolveRequests = (gatewayToken: string, stride = 1) =>
  Array.from({ length: 64 }, (_, index) => ({
    method: 'POST' as const,
    path: '/v1/resolve',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gatewayToken}` },
    body: JSON.stringify({ target: index % 2 === 0 ? userSipUri(index * stride) : userLineUri(index * stride) }),
  }));

function benchUser(index: number): User {
  const now = new Date().toISOString();
  return {
    type: 'user',
    sipUri: userSipUri(index),
    displayName: `User ${index}`,
    lineUri: userLineUri(index),
    enabled: true,
    enterpriseVoiceEnabled: true,
    site: index % 2 === 0 ? 'Redmond' : 'Dublin',
    registrarPool: null,
    hostedVoicemailPolicy: index % 3 === 0 ? 'ExOnline' : null,
    onPremisesUm: { enabled: true, dialPlan: 'dp.bench.example.com' },
    hostedVoicemail: { admin: null, provider: index % 3 === 0 ? true : null },
    version: 1,
    createdAt: now,
    updatedAt: now,
    modifiedBy: { credentialId: actor.credentialId, role: actor.role },
  };
}

/** The items of users [from, to) as the store writes them: each user and its number copy. */
export function* benchUserItems(from: number, to: number) {
  for (let index = from; index < to; index++) {
    const user = benchUser(index);
    yield toItem(keys.address(TENANT, user.sipUri), 'user', user, { gsi1pk: listPartitions.users(TENANT), gsi1sk: user.sipUri });
    yield toItem(keys.number(TENANT, user.lineUri!), 'number', user);
  }
}

/** Writes users [from, to) with their number copies, 25 items a request, `concurrency` requests at once. */
export async function seedUsers(client: DynamoDBClient, tableName: string, from: number, to: number, concurrency = 16): Promise<void> {
  const iterator = benchUserItems(from, to);
  const nextBatch = () => {
    const batch = [];
    for (let item = iterator.next(); !item.done; item = iterator.next()) {
      batch.push({ PutRequest: { Item: item.value } });
      if (batch.length === 25) break;
    }
    return batch;
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let batch = nextBatch(); batch.length > 0; batch = nextBatch()) {
        let pending = batch;
        while (pending.length > 0) {
          const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
          pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
        }
      }
    }),
  );
}
