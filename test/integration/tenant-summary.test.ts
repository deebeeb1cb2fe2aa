// GET /v1/tenants/{tenant}/summary: the mode and the counts behind it, kept by counters the store
// writes in the same transactions as the users and contacts. Checked against a consistent Scan of
// the table after creates, updates, deletes, batches, a migration completing and concurrent
// writers; and the recount of users written before the counters existed.
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../lib/store/client.js';
import { summaryPartition } from '../../lib/store/keys.js';
import { createTenant, expectCreated, setUpHostedProvider, setUpHostedProviderWithEvents } from '../support/fixtures.js';
import { PROVIDER_SECRET, useProviderServer } from '../support/provider-server.js';
import { useTestService, type ApiClient } from '../support/service.js';
import { scannedCounts } from '../support/summary-scan.js';
import { scanTable } from '../support/table-scan.js';

const T = '/v1/tenants/contoso';
const provider = useProviderServer();
const context = useTestService(
  async (api) => {
    await setUpHostedProviderWithEvents(api, 'contoso', provider.url, PROVIDER_SECRET);
    await expectCreated(
      api.post(`${T}/dial-plans`, {
        id: 'dp.contoso.com',
        uriType: 'sip-name',
        voipSecurity: 'secured',
        servers: [{ fqdn: 'um01.contoso.local', exchangeVersion: 15 }],
      }),
    );
  },
  { streamProcessor: true, allowLoopbackProviders: true },
);
const { api } = context;

const onPremisesUser = (name: string) => ({
  sipUri: `sip:${name}@contoso.com`,
  enterpriseVoiceEnabled: true,
  onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' },
});
const zero = { hosted: 0, onPremises: 0, notRoutable: 0 };

const summaryOf = async (client: ApiClient, tenant = 'contoso') => {
  const answer = await client.get(`/v1/tenants/${tenant}/summary`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
};

/** The summary's counts equal what a consistent Scan of the table counts. */
async function expectCountsMatchScan(tenant = 'contoso') {
  const client = createDynamoClient({ endpoint: context.service.dynamoEndpoint, requestTimeoutMs: 15_000 });
  try {
    const scanned = await scannedCounts(client, context.service.tableName, tenant);
    const summary = await summaryOf(api, tenant);
    expect({ mode: summary.mode, users: summary.users, contacts: summary.contacts }).toEqual(scanned);
    return summary;
  } finally {
    client.destroy();
  }
}

describe('the tenant summary', () => {
  it('starts on premises and empty, and says how fresh it is', async () => {
    const before = new Date().toISOString();
    const summary = await summaryOf(api);
    expect(summary).toEqual({
      tenantId: 'contoso',
      mode: 'on-premises',
      users: zero,
      contacts: { 'subscriber-access': zero, 'auto-attendant': zero },
      migrations: { running: 0, completed: 0, cancelled: 0 },
      deadLetters: { waiting: 0, capped: false },
      lastChangeAt: null,
      asOf: expect.any(String),
    });
    expect(summary.asOf >= before).toBe(true);
  });

  it('counts users and contacts by route as they are created, updated and deleted, and derives the mode', async () => {
    for (const name of ['alice', 'bob', 'carol']) await expectCreated(api.post(`${T}/users`, onPremisesUser(name)));
    await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:noum@contoso.com', enterpriseVoiceEnabled: true }));
    await expectCreated(api.post(`${T}/users`, { ...onPremisesUser('off'), enabled: false }));
    await expectCreated(api.post(`${T}/contacts`, { sipUri: 'sip:sa@contoso.com', onPremisesDialPlan: 'dp.contoso.com' }));
    await expectCreated(api.post(`${T}/contacts`, { sipUri: 'sip:aa@contoso.com', kind: 'auto-attendant', enterpriseVoiceEnabled: false }));
    let summary = await expectCountsMatchScan();
    expect(summary.mode).toBe('on-premises');
    expect(summary.users).toEqual({ hosted: 0, onPremises: 3, notRoutable: 2 });
    expect(summary.contacts).toEqual({
      'subscriber-access': { hosted: 0, onPremises: 1, notRoutable: 0 },
      'auto-attendant': { hosted: 0, onPremises: 0, notRoutable: 1 },
    });

    // Flip one user hosted (the admin's flag): mixed.
    const flipped = await api.patch(`${T}/users/sip:alice@contoso.com`, {
      hostedVoicemailPolicy: 'ExOnline',
      hostedVoicemail: { admin: true },
    });
    expect(flipped.status, JSON.stringify(flipped.body)).toBe(200);
    summary = await expectCountsMatchScan();
    expect(summary.mode).toBe('mixed');
    expect(summary.users).toEqual({ hosted: 1, onPremises: 2, notRoutable: 2 });
    expect(summary.lastChangeAt).toBe(flipped.body.updatedAt);

    // Delete the on-premises ones and the on-premises contact: every routable one is hosted.
    for (const name of ['bob', 'carol']) expect((await api.delete(`${T}/users/sip:${name}@contoso.com`)).status).toBe(204);
    expect((await api.delete(`${T}/contacts/sip:sa@contoso.com`)).status).toBe(204);
    const afterDelete = new Date().toISOString();
    summary = await expectCountsMatchScan();
    expect(summary.mode).toBe('cross-premises');
    expect(summary.users).toEqual({ hosted: 1, onPremises: 0, notRoutable: 2 });
    expect(summary.lastChangeAt <= afterDelete).toBe(true);
    expect(summary.lastChangeAt >= flipped.body.updatedAt).toBe(true);
  });

  it('counts a batch of users, rows created and updated together', async () => {
    const answer = await api.post(`${T}/users/batch`, {
      users: [
        ...Array.from({ length: 30 }, (_, index) => onPremisesUser(`batch${index}`)),
        { sipUri: 'sip:noum@contoso.com', onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' } },
      ],
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const summary = await expectCountsMatchScan();
    expect(summary.users).toEqual({ hosted: 1, onPremises: 31, notRoutable: 1 });
    expect(summary.mode).toBe('mixed');
  });

  it('counts a migration: running while open, and its user hosted once the provider says ready', async () => {
    const exo = api.as((await expectCreated(api.post(`${T}/credentials`, { role: 'provider', name: 'exo', providerId: 'exo' }))).token);
    const started = await expectCreated(
      api.post(`${T}/migrations`, { users: ['sip:batch0@contoso.com'], providerId: 'exo', grantPolicy: 'ExOnline' }),
    );
    expect((await summaryOf(api)).migrations).toEqual({ running: 1, completed: 0, cancelled: 0 });
    await provider.waitFor(() => provider.ofType('user.migration.requested').length === 1);
    const ready = await exo.put(`${T}/migrations/${started.id}/users/sip:batch0@contoso.com/answer`, { status: 'ready' });
    expect(ready.status, JSON.stringify(ready.body)).toBe(200);
    await context.service.streamDriver!.drained();
    const summary = await expectCountsMatchScan();
    expect(summary.users).toEqual({ hosted: 2, onPremises: 30, notRoutable: 1 });
    expect(summary.migrations).toEqual({ running: 0, completed: 1, cancelled: 0 });
  });

  it('ends exact when many writers write at once', async () => {
    const writers = Array.from({ length: 24 }, (_, index) => index);
    const answers = await Promise.all(
      writers.map(async (index) => {
        const sipUri = `sip:batch${index + 1}@contoso.com`;
        // Half flip hosted, half are deleted, while new users arrive in batches beside them.
        if (index % 3 === 0)
          return api.patch(`${T}/users/${sipUri}`, { hostedVoicemail: { admin: true }, hostedVoicemailPolicy: 'ExOnline' });
        if (index % 3 === 1) return api.delete(`${T}/users/${sipUri}`);
        return api.post(`${T}/users/batch`, { users: Array.from({ length: 10 }, (_, row) => onPremisesUser(`w${index}r${row}`)) });
      }),
    );
    for (const answer of answers) expect([200, 204], JSON.stringify(answer.body)).toContain(answer.status);
    const summary = await expectCountsMatchScan();
    expect(summary.users).toEqual({ hosted: 2 + 8, onPremises: 30 - 16 + 80, notRoutable: 1 });
  });

  it('counts a tenant whose users were written before the counters existed, once, on the first read', async () => {
    await createTenant(api, 'fabrikam');
    await setUpHostedProvider(api, 'fabrikam');
    for (const name of ['ann', 'ben']) {
      await expectCreated(
        api.post('/v1/tenants/fabrikam/users', {
          sipUri: `sip:${name}@fabrikam.com`,
          enterpriseVoiceEnabled: true,
          hostedVoicemailPolicy: 'ExOnline',
          hostedVoicemail: { admin: true },
        }),
      );
    }
    await expectCreated(api.post('/v1/tenants/fabrikam/contacts', { sipUri: 'sip:sa@fabrikam.com' }));
    // As before the counters: the summary's items gone.
    const client = createDynamoClient({ endpoint: context.service.dynamoEndpoint, requestTimeoutMs: 15_000 });
    try {
      const counters = (await scanTable(client, context.service.tableName)).filter((item) => item.pk === summaryPartition('fabrikam'));
      expect(counters.length).toBeGreaterThan(0);
      for (const item of counters) {
        await client.send(new DeleteItemCommand({ TableName: context.service.tableName, Key: marshall({ pk: item.pk, sk: item.sk }) }));
      }
    } finally {
      client.destroy();
    }
    const summary = await expectCountsMatchScan('fabrikam');
    expect(summary.mode).toBe('cross-premises');
    expect(summary.users).toEqual({ hosted: 2, onPremises: 0, notRoutable: 0 });
    expect(summary.contacts['subscriber-access']).toEqual({ hosted: 1, onPremises: 0, notRoutable: 0 });
    expect(summary.lastChangeAt).not.toBeNull();

    // Counted once: later writes move the counters from there.
    await expectCreated(api.post('/v1/tenants/fabrikam/users', { sipUri: 'sip:cat@fabrikam.com', enterpriseVoiceEnabled: true }));
    expect((await expectCountsMatchScan('fabrikam')).users).toEqual({ hosted: 2, onPremises: 0, notRoutable: 1 });

    // An operator's recount agrees; its dry run too; neither changes the counts.
    const dryRun = await api.post('/v1/tenants/fabrikam/summary/recount?dryRun=true', undefined);
    expect(dryRun.status, JSON.stringify(dryRun.body)).toBe(200);
    expect(dryRun.body.users).toEqual({ hosted: 2, onPremises: 0, notRoutable: 1 });
    const recount = await api.post('/v1/tenants/fabrikam/summary/recount', undefined);
    expect(recount.body.users).toEqual({ hosted: 2, onPremises: 0, notRoutable: 1 });
    expect((await expectCountsMatchScan('fabrikam')).users).toEqual({ hosted: 2, onPremises: 0, notRoutable: 1 });
  });

  it('is counted from the creation of a tenant made through the API: its first read counts no user one by one', async () => {
    await createTenant(api, 'northwind');
    await expectCreated(api.post('/v1/tenants/northwind/users', { sipUri: 'sip:nan@northwind.com', enterpriseVoiceEnabled: true }));
    // A user item removed behind the store's back: a recount would see one user fewer; the counters do not.
    const client = createDynamoClient({ endpoint: context.service.dynamoEndpoint, requestTimeoutMs: 15_000 });
    try {
      const userItem = (await scanTable(client, context.service.tableName)).find((item) => item.sipUri === 'sip:nan@northwind.com')!;
      await client.send(
        new DeleteItemCommand({ TableName: context.service.tableName, Key: marshall({ pk: userItem.pk, sk: userItem.sk }) }),
      );
    } finally {
      client.destroy();
    }
    const summary = await summaryOf(api, 'northwind');
    expect(summary.users).toEqual({ hosted: 0, onPremises: 0, notRoutable: 1 });
  });

  it('is read by readers, 404 for another tenant, and recounted by operators only', async () => {
    const reader = api.as((await expectCreated(api.post(`${T}/credentials`, { role: 'reader', name: 'r' }))).token);
    expect((await reader.get(`${T}/summary`)).status).toBe(200);
    expect((await reader.get('/v1/tenants/fabrikam/summary')).status).toBe(404);
    expect((await reader.post(`${T}/summary/recount`, undefined)).status).toBe(403);
    expect((await api.get('/v1/tenants/nosuch/summary')).status).toBe(404);
  });
});
