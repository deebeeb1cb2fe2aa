// Tenant lifecycle (issue 14): rename, add and remove SIP domains, each with a dry run that
// writes nothing; a domain still belongs to at most one tenant.
import { describe, expect, it } from 'vitest';
import { createTenant, expectCreated } from '../support/fixtures.js';
import { keys, tenantOfKey } from '../../lib/store/keys.js';
import { testDynamoClient, useTestService } from '../support/service.js';
import { scanTable } from '../support/table-scan.js';

const context = useTestService(
  async (api) => {
    await createTenant(api, 'contoso', ['contoso.com']);
    await createTenant(api, 'fabrikam', ['fabrikam.com']);
  },
  { streamProcessor: true },
);
const { api } = context;
const T = '/v1/tenants/contoso';

/** The whole table once the stream processor has caught up (it writes the audit trail). */
const settledSnapshot = async () => {
  await context.service.streamDriver!.drained();
  return context.service.snapshot();
};

describe('renaming a tenant', () => {
  it('changes the display name only, honours If-Match, and is audited', async () => {
    const before = await api.get(T);
    const version = before.body.version as number;

    const snapshot = await settledSnapshot();
    const dryRun = await api.patch(`${T}?dryRun=true`, { name: 'Contoso Ltd' });
    expect(dryRun.status).toBe(200);
    expect(dryRun.body).toMatchObject({
      dryRun: true,
      changes: [{ action: 'update', type: 'tenant', id: 'contoso', before: { name: before.body.name }, after: { name: 'Contoso Ltd' } }],
    });
    expect(await settledSnapshot()).toBe(snapshot);

    const stale = await api.call('PATCH', T, { body: { name: 'Contoso Ltd' }, headers: { 'If-Match': `"${version + 5}"` } });
    expect(stale.status).toBe(412);

    const renamed = await api.call('PATCH', T, { body: { name: 'Contoso Ltd' }, headers: { 'If-Match': `"${version}"` } });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body).toMatchObject({ id: 'contoso', name: 'Contoso Ltd', domains: ['contoso.com'], version: version + 1 });
    expect(renamed.headers.get('etag')).toBe(`"${version + 1}"`);
    expect((await api.get(T)).body.name).toBe('Contoso Ltd');

    // Configuration writes bump configVersion on the same item: a rename keeps it, and they keep the name.
    await expectCreated(api.post(`${T}/dial-plans`, { id: 'dp.contoso.com', uriType: 'e164', voipSecurity: 'secured' }));
    expect((await api.get(T)).body).toMatchObject({ name: 'Contoso Ltd', version: version + 1 });

    const refused = await api.patch(T, { id: 'other' });
    expect(refused.status).toBe(400);

    await context.service.streamDriver!.drained();
    const trail = (await api.get(`${T}/audit?objectType=tenant`)).body.items as { action: string; before: unknown; after: unknown }[];
    expect(trail.find((record) => (record.after as { name?: string } | null)?.name === 'Contoso Ltd')).toMatchObject({
      action: 'update',
      before: { name: before.body.name },
    });
  });
});

describe('adding a SIP domain', () => {
  it('claims it for the tenant; users may then live in it', async () => {
    const snapshot = await settledSnapshot();
    const dryRun = await api.post(`${T}/domains?dryRun=true`, { domain: 'Contoso.NET' });
    expect(dryRun.status, JSON.stringify(dryRun.body)).toBe(200);
    expect(dryRun.body.changes[0]).toMatchObject({
      before: { domains: ['contoso.com'] },
      after: { domains: ['contoso.com', 'contoso.net'] },
    });
    expect(await settledSnapshot()).toBe(snapshot);

    const added = await api.post(`${T}/domains`, { domain: 'Contoso.NET' });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body.domains).toEqual(['contoso.com', 'contoso.net']);
    await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:carol@contoso.net' }));

    // Another tenant cannot create itself with it any more.
    const taken = await api.post('/v1/tenants', { id: 'copycat', name: 'Copycat', domains: ['contoso.net'] });
    expect(taken.status).toBe(409);
    expect(taken.body.errors[0]).toMatchObject({ field: 'domains.0', rule: 'domain-belongs-to-one-tenant' });
  });

  it("refuses another tenant's domain (409 naming the field), dry run included, and writes nothing", async () => {
    const snapshot = await settledSnapshot();
    for (const path of [`${T}/domains?dryRun=true`, `${T}/domains`]) {
      const taken = await api.post(path, { domain: 'fabrikam.com' });
      expect(taken.status, path).toBe(409);
      expect(taken.body.errors[0]).toMatchObject({ field: 'domain', rule: 'domain-belongs-to-one-tenant' });
    }
    const own = await api.post(`${T}/domains`, { domain: 'contoso.com' });
    expect(own.status).toBe(409);
    expect((await api.post(`${T}/domains`, { domain: 'not a domain' })).status).toBe(400);
    expect(await settledSnapshot()).toBe(snapshot);
  });
});

describe('removing a SIP domain', () => {
  it('is refused while users or contacts have an address in it, naming them, dry run included', async () => {
    await createTenant(api, 'northwind', ['northwind.com', 'northwind.net']);
    const N = '/v1/tenants/northwind';
    for (const name of ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal', 'ida', 'jon', 'kim']) {
      await expectCreated(api.post(`${N}/users`, { sipUri: `sip:${name}@northwind.net` }));
    }
    await expectCreated(api.post(`${N}/contacts`, { sipUri: 'sip:sa@northwind.net' }));
    // Not in the domain, though its address contains it.
    await api.post(`${N}/domains`, { domain: 'northwind.net.example' });
    await expectCreated(api.post(`${N}/users`, { sipUri: 'sip:zed@northwind.net.example' }));

    const snapshot = await settledSnapshot();
    for (const path of [`${N}/domains/northwind.net?dryRun=true`, `${N}/domains/northwind.net`]) {
      const refused = await api.delete(path);
      expect(refused.status, path).toBe(409);
      expect(refused.body.errors[0]).toMatchObject({ field: 'domain', rule: 'domain-not-in-use' });
      expect(refused.body.errors[0].message).toMatch(/^12 users or contacts still have an address in northwind\.net: .* and 2 more$/);
      expect(refused.body.errors[0].message).toContain('sip:ann@northwind.net');
    }
    expect(await settledSnapshot()).toBe(snapshot);
    // The refused removal took its mark off: the domain takes new addresses again.
    await expectCreated(api.post(`${N}/users`, { sipUri: 'sip:new@northwind.net' }));
  });

  it('takes no new address in a domain while its removal counts the users (the claim is marked), single or in a batch', async () => {
    await createTenant(api, 'tailspin', ['tailspin.com', 'tailspin.net']);
    const P = '/v1/tenants/tailspin';
    const { tenants } = context.service.store;
    expect(await tenants.markReleasing('tailspin', 'tailspin.net', 'removal-in-flight')).toBe(true);
    const single = await api.post(`${P}/users`, { sipUri: 'sip:late@tailspin.net' });
    expect(single.status).toBe(409);
    expect(single.body.errors[0]).toMatchObject({ field: 'sipUri', rule: 'tenant-sip-domain' });
    const batch = await api.post(`${P}/users/batch`, { users: [{ sipUri: 'sip:late@tailspin.net' }, { sipUri: 'sip:fine@tailspin.com' }] });
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((result: { outcome: string }) => result.outcome)).toEqual(['failed', 'created']);
    // Addresses in its other domains, and users already there, are untouched.
    await tenants.unmarkReleasing('tailspin', 'tailspin.net', 'removal-in-flight');
    await expectCreated(api.post(`${P}/users`, { sipUri: 'sip:late@tailspin.net' }));
  });

  it("releases an unused domain's claim, so another tenant may claim it; the last domain stays", async () => {
    await createTenant(api, 'litware', ['litware.com', 'litware.net']);
    const L = '/v1/tenants/litware';
    await expectCreated(api.post(`${L}/users`, { sipUri: 'sip:alice@litware.com' }));

    const snapshot = await settledSnapshot();
    const dryRun = await api.delete(`${L}/domains/litware.net?dryRun=true`);
    expect(dryRun.status, JSON.stringify(dryRun.body)).toBe(200);
    expect(dryRun.body.changes[0]).toMatchObject({
      before: { domains: ['litware.com', 'litware.net'] },
      after: { domains: ['litware.com'] },
    });
    expect(await settledSnapshot()).toBe(snapshot);

    const version = (await api.get(L)).body.version as number;
    expect((await api.call('DELETE', `${L}/domains/litware.net`, { headers: { 'If-Match': `"${version + 1}"` } })).status).toBe(412);
    const removed = await api.delete(`${L}/domains/LITWARE.net`);
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(removed.body).toMatchObject({ domains: ['litware.com'], version: version + 1 });

    const refusedUser = await api.post(`${L}/users`, { sipUri: 'sip:bob@litware.net' });
    expect(refusedUser.status).toBe(409);
    expect(refusedUser.body.errors[0]).toMatchObject({ field: 'sipUri', rule: 'tenant-sip-domain' });
    expect((await api.post('/v1/tenants/fabrikam/domains', { domain: 'litware.net' })).status).toBe(200);

    expect((await api.delete(`${L}/domains/litware.net`)).status).toBe(404);
    const last = await api.delete(`${L}/domains/litware.com?dryRun=true`);
    expect(last.status).toBe(409);
    expect(last.body.errors[0]).toMatchObject({ field: 'domain', rule: 'tenant-owns-a-domain' });
  });
});

describe('offboarding a tenant', () => {
  const W = '/v1/tenants/woodgrove';
  const itemsOf = async (tenantId: string | null) => {
    await context.service.streamDriver!.drained();
    const client = testDynamoClient(context.service.dynamoEndpoint);
    try {
      return (await scanTable(client, context.service.tableName)).filter((item) => tenantOfKey(String(item.pk)) === tenantId);
    } finally {
      client.destroy();
    }
  };

  it('counts what would go in a dry run, then refuses its credentials at once, removes its items, keeps its audit and frees its domains', async () => {
    await createTenant(api, 'woodgrove', ['woodgrove.com', 'woodgrove.net']);
    await expectCreated(api.post(`${W}/dial-plans`, { id: 'dp.woodgrove.com', uriType: 'e164', voipSecurity: 'secured' }));
    for (const name of ['ann', 'ben', 'cat']) await expectCreated(api.post(`${W}/users`, { sipUri: `sip:${name}@woodgrove.com` }));
    await expectCreated(api.post(`${W}/contacts`, { sipUri: 'sip:sa@woodgrove.net', displayNumber: '+14255550999' }));
    const reader = (await expectCreated(api.post(`${W}/credentials`, { role: 'reader', name: 'reader' }))).token as string;
    const gateway = (await expectCreated(api.post(`${W}/credentials`, { role: 'gateway', name: 'gw' }))).token as string;
    // Checked once, so the local credential cache holds it.
    expect((await api.as(reader).get(W)).status).toBe(200);

    const snapshot = await settledSnapshot();
    const dryRun = await api.delete(`${W}?dryRun=true`);
    expect(dryRun.status, JSON.stringify(dryRun.body)).toBe(200);
    expect(dryRun.body).toMatchObject({
      dryRun: true,
      tenantId: 'woodgrove',
      removed: { tenant: 1, 'domain-claim': 2, user: 3, contact: 1, number: 1, 'credential-record': 2, edge: 1, policy: 1, 'dial-plan': 1 },
    });
    expect(await settledSnapshot()).toBe(snapshot);
    expect((await api.as(reader).get(W)).status).toBe(200);
    expect((await api.as(reader).delete(W)).status).toBe(403);

    const offboarded = await api.delete(W);
    expect(offboarded.status, JSON.stringify(offboarded.body)).toBe(200);
    expect(offboarded.body).toMatchObject({ tenantId: 'woodgrove', state: 'offboarded', removed: { user: 3, contact: 1 } });

    // Refused at once, cached or not.
    expect((await api.as(reader).get(W)).status).toBe(401);
    expect((await api.as(gateway).post('/v1/resolve', { target: 'sip:ann@woodgrove.com', reason: 'voicemail' })).status).toBe(401);
    expect((await api.get(W)).status).toBe(404);
    expect((await api.get('/v1/tenants?limit=500')).body.items.map((t: { id: string }) => t.id)).not.toContain('woodgrove');

    // Nothing of it remains but its audit records, which expire by their TTL.
    const left = await itemsOf('woodgrove');
    expect(left.length).toBeGreaterThan(0);
    expect(left.filter((item) => item.entity !== 'audit')).toEqual([]);
    expect(left.every((item) => typeof item.expiresAt === 'number')).toBe(true);
    const claims = (await itemsOf(null)).filter(
      (item) => String(item.pk) === keys.domainClaim('woodgrove.com').pk || String(item.pk) === keys.domainClaim('woodgrove.net').pk,
    );
    expect(claims).toEqual([]);

    // The domains are free again.
    await createTenant(api, 'woodgrove-two', ['woodgrove.com']);
    expect((await api.post('/v1/tenants/contoso/domains', { domain: 'woodgrove.net' })).status).toBe(200);
  });
});

describe('offboarding and the credential cache', () => {
  it("drops the tenant's credentials from this process's caches: refused at once, not after the cache's 30 s", async () => {
    const { createCachedAuthenticator } = await import('../../lib/auth/credential-cache.js');
    await createTenant(api, 'proseware', ['proseware.com']);
    const authenticate = createCachedAuthenticator(context.service.store, { ttlMs: 30_000 });
    const token = (await expectCreated(api.post('/v1/tenants/proseware/credentials', { role: 'reader', name: 'cached' }))).token as string;
    const other = (await expectCreated(api.post('/v1/tenants/contoso/credentials', { role: 'reader', name: 'stays' }))).token as string;
    expect((await authenticate(`Bearer ${token}`))?.tenantId).toBe('proseware');
    expect((await authenticate(`Bearer ${other}`))?.tenantId).toBe('contoso');

    expect((await api.delete('/v1/tenants/proseware')).status).toBe(200);
    expect(await authenticate(`Bearer ${token}`)).toBeUndefined();
    expect((await authenticate(`Bearer ${other}`))?.tenantId).toBe('contoso');
  });
});
