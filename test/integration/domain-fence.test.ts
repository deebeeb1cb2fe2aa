// The domain fence (lib/store/summary-store.ts): a domain being removed from a tenant takes no new
// address in it, checked on the summary counter shard each user or contact write updates anyway,
// so concurrent creations in one domain share no item, and a removal racing creations leaves no
// user behind.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { ExumError } from '../../lib/errors.js';
import { toKey } from '../../lib/store/items.js';
import { keys } from '../../lib/store/keys.js';
import { user } from '../support/builders.js';
import { createTenant, expectCreated } from '../support/fixtures.js';
import { testDynamoClient, useTestService, type Answer } from '../support/service.js';
import { scanTable } from '../support/table-scan.js';

const context = useTestService(async (api) => {
  await createTenant(api, 'contoso', ['contoso.com']);
});
const { api } = context;

interface Row {
  sipUri: string;
  outcome: string;
  errors?: { field: string; rule: string }[];
}

const batch = async (tenant: string, sipUris: string[]): Promise<Row[]> => {
  const answer = await api.post(`/v1/tenants/${tenant}/users/batch`, { users: sipUris.map((sipUri) => ({ sipUri })) });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.results as Row[];
};

/** The tenant's users and contacts in a domain, read from the table itself (consistent, no index). */
const addressesIn = async (tenant: string, domain: string): Promise<string[]> => {
  const items = await scanTable(testDynamoClient(context.service.dynamoEndpoint), context.service.tableName);
  return items
    .filter((item) => String(item.pk).startsWith(`T#${tenant}#ADDR#`) && item.sk === 'PRINCIPAL')
    .map((item) => String(item.sipUri))
    .filter((sipUri) => sipUri.endsWith(`@${domain}`));
};

const claimMarked = async (domain: string): Promise<boolean> => {
  const client = testDynamoClient(context.service.dynamoEndpoint);
  const { Item } = await client.send(
    new GetItemCommand({ TableName: context.service.tableName, Key: toKey(keys.domainClaim(domain)), ConsistentRead: true }),
  );
  return Item !== undefined && unmarshall(Item).releasing !== undefined;
};

/** Batches of new users in a domain, one after another, until `done` says stop; every row answered. */
async function createUntil(tenant: string, domain: string, writer: string, done: () => boolean): Promise<Row[]> {
  const rows: Row[] = [];
  for (let round = 0; !done(); round++) {
    rows.push(
      ...(await batch(
        tenant,
        Array.from({ length: 5 }, (_, i) => `sip:${writer}-${round}-${i}@${domain}`),
      )),
    );
  }
  return rows;
}

const isFenceRefusal = (row: Row) =>
  row.outcome === 'failed' && row.errors?.length === 1 && row.errors[0]!.field === 'sipUri' && row.errors[0]!.rule === 'tenant-sip-domain';

describe('the domain fence', () => {
  it('lets concurrent batches create users in one domain without colliding on a domain item: none fails', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, writer) =>
        batch(
          'contoso',
          Array.from({ length: 25 }, (_, i) => `sip:crowd${writer}-${i}@contoso.com`),
        ),
      ),
    );
    for (const rows of answers) expect(rows.filter((row) => row.outcome !== 'created')).toEqual([]);
    expect((await addressesIn('contoso', 'contoso.com')).filter((sipUri) => sipUri.startsWith('sip:crowd'))).toHaveLength(150);
    const summary = await api.get('/v1/tenants/contoso/summary');
    const users = summary.body.users as Record<string, number>;
    expect(Object.values(users).reduce((sum, count) => sum + count, 0)).toBe(150);
  });

  it('refuses every new address in a domain from the moment its removal fences it, so the removal finds none and releases it', async () => {
    await createTenant(api, 'tailspin', ['tailspin.com', 'tailspin.net']);
    let settled = false;
    const removal = api.delete('/v1/tenants/tailspin/domains/tailspin.net').finally(() => (settled = true));
    // Writers start once the claim is marked (the fence is in the same transaction), or once the removal answered.
    while (!settled && !(await claimMarked('tailspin.net'))) await new Promise((resolve) => setTimeout(resolve, 5));
    const rows = (
      await Promise.all([0, 1, 2].map((writer) => createUntil('tailspin', 'tailspin.net', `w${writer}`, () => settled)))
    ).flat();
    const removed: Answer = await removal;
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(rows.filter((row) => !isFenceRefusal(row))).toEqual([]);
    expect(await addressesIn('tailspin', 'tailspin.net')).toEqual([]);
    // The fence wrote shards no user write had touched (no counts, no changes): a recount takes them as unchanged zeros.
    const recount = await api.post('/v1/tenants/tailspin/summary/recount', undefined);
    expect(recount.status, JSON.stringify(recount.body)).toBe(200);
    expect((await api.get('/v1/tenants/tailspin/summary')).body.users).toEqual({ hosted: 0, onPremises: 0, notRoutable: 0 });
  });

  it('leaves no user behind when creations race a removal: they landed before it (and it is refused naming them) or are refused', async () => {
    await createTenant(api, 'litware', ['litware.com', 'litware.net']);
    const early = await batch('litware', ['sip:early1@litware.net', 'sip:early2@litware.net']);
    expect(early.map((row) => row.outcome)).toEqual(['created', 'created']);
    let settled = false;
    const removal = api.delete('/v1/tenants/litware/domains/litware.net').finally(() => (settled = true));
    const rows = (await Promise.all([0, 1, 2].map((writer) => createUntil('litware', 'litware.net', `w${writer}`, () => settled)))).flat();
    const refused: Answer = await removal;
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.errors[0]).toMatchObject({ field: 'domain', rule: 'domain-not-in-use' });
    const named = Number(/^(\d+) users or contacts/.exec(refused.body.errors[0].message)![1]);
    expect(named).toBeGreaterThanOrEqual(2);
    // Each row landed (and is in the table) or was refused by the fence: nothing else.
    expect(rows.filter((row) => row.outcome !== 'created' && !isFenceRefusal(row))).toEqual([]);
    const created = rows.filter((row) => row.outcome === 'created').map((row) => row.sipUri);
    expect((await addressesIn('litware', 'litware.net')).sort()).toEqual(
      ['sip:early1@litware.net', 'sip:early2@litware.net', ...created].sort(),
    );
    // The refused removal lifted its fence: the domain takes new addresses again.
    await expectCreated(api.post('/v1/tenants/litware/users', { sipUri: 'sip:after@litware.net' }));
  });

  it("refuses a write from a configuration cached before a removal, until the domain is the tenant's again", async () => {
    await createTenant(api, 'northwind', ['northwind.com', 'northwind.net']);
    await createTenant(api, 'fabrikam', ['fabrikam.com']);
    const removed = await api.delete('/v1/tenants/northwind/domains/northwind.net');
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    // A writer whose cached configuration still lists northwind.net reaches the store: the fence refuses it.
    const { principals } = context.service.store;
    const stale = user({ sipUri: 'sip:stale@northwind.net', lineUri: null });
    const writer = { credentialId: 'test', role: 'admin' };
    const refusal = await principals.write('northwind', null, stale, [], writer, stale.updatedAt).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ExumError);
    expect((refusal as ExumError).issues[0]).toMatchObject({ field: 'sipUri', rule: 'tenant-sip-domain' });
    const [together] = await principals.writeTogether('northwind', [{ before: null, after: stale, guards: [] }]);
    expect(together).toMatchObject({ written: false, error: expect.any(ExumError) });
    expect(((together as { error: unknown }).error as ExumError).issues[0]).toMatchObject({ field: 'sipUri', rule: 'tenant-sip-domain' });

    // Another tenant claims it and creates users there; northwind's stale writer is still refused.
    expect((await api.post('/v1/tenants/fabrikam/domains', { domain: 'northwind.net' })).status).toBe(200);
    await expectCreated(api.post('/v1/tenants/fabrikam/users', { sipUri: 'sip:fab@northwind.net' }));
    await expect(principals.write('northwind', null, stale, [], writer, stale.updatedAt)).rejects.toThrow(/being removed/);

    // Back with northwind: the fence is lifted in the claim's transaction.
    expect((await api.delete('/v1/tenants/fabrikam/domains/northwind.net')).status).toBe(409); // fab@ lives there
    await expect(api.delete('/v1/tenants/fabrikam/users/sip:fab@northwind.net')).resolves.toMatchObject({ status: 204 });
    expect((await api.delete('/v1/tenants/fabrikam/domains/northwind.net')).status).toBe(200);
    expect((await api.post('/v1/tenants/northwind/domains', { domain: 'northwind.net' })).status).toBe(200);
    await expectCreated(api.post('/v1/tenants/northwind/users', { sipUri: 'sip:back@northwind.net' }));
  });
});
