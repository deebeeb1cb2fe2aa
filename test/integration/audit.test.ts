// The audit trail, written from the stream: who changed which object when, before and after,
// secrets never; deletions with who deleted; queries by object, credential and time.
import { describe, expect, it } from 'vitest';
import { createTenant, expectCreated } from '../support/fixtures.js';
import { expectDocumented } from '../support/documented.js';
import { useTestService } from '../support/service.js';
import type { ParsedJson } from '../support/json.js';

const T = '/v1/tenants/contoso';
const SECRET = 'whsec-audit-secret-must-never-show-0001';
const context = useTestService(async (api) => createTenant(api, 'contoso'), { streamProcessor: true });
const { api } = context;

const auditOf = async (query = '') => {
  await context.service.streamDriver!.drained();
  const answer = await api.get(`${T}/audit${query}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expectDocumented('GET', '/v1/tenants/{tenant}/audit', answer);
  return answer.body.items as {
    action: string;
    objectType: string;
    objectId: string;
    actor: { credentialId: string; role: string };
    changedFields: string[];
    before: ParsedJson;
    after: ParsedJson;
    at: string;
  }[];
};

describe('the audit trail', () => {
  it('records creates, updates and deletes with who, when, before and after', async () => {
    const adminToken = (await expectCreated(api.post(`${T}/credentials`, { role: 'server-admin', name: 'alice-admin' }))).token;
    const adminId = (await api.get(`${T}/credentials`)).body.items.find((c: { name: string }) => c.name === 'alice-admin').id;
    const admin = api.as(adminToken);
    await expectCreated(admin.post(`${T}/dial-plans`, { id: 'dp.contoso.com', uriType: 'e164', voipSecurity: 'secured' }));
    await expectCreated(admin.patch(`${T}/dial-plans/dp.contoso.com`, { voipSecurity: 'unsecured' }));
    expect((await admin.delete(`${T}/dial-plans/dp.contoso.com`)).status).toBe(204);

    const trail = await auditOf('?objectType=dial-plan');
    expect(trail.map((record) => record.action)).toEqual(['delete', 'update', 'create']);
    for (const record of trail) expect(record.actor).toEqual({ credentialId: adminId, role: 'server-admin' });
    expect(trail[1]).toMatchObject({
      objectId: 'dp.contoso.com',
      changedFields: ['voipSecurity'],
      before: { voipSecurity: 'secured' },
      after: { voipSecurity: 'unsecured' },
    });
    expect(trail[0]).toMatchObject({ before: { voipSecurity: 'unsecured' }, after: null });
  });

  it('records the gateway settings as one object, gateway-settings, created by its first write', async () => {
    await expectCreated(api.put(`${T}/gateway-settings`, { staleIfErrorSeconds: 3_600 }));
    await expectCreated(api.put(`${T}/gateway-settings`, { staleIfErrorSeconds: 0 }, { headers: { 'if-match': '"1"' } }));
    const trail = await auditOf('?objectType=gateway-settings');
    expect(trail.map((record) => `${record.objectId} ${record.action}`)).toEqual(['gateway-settings update', 'gateway-settings create']);
    expect(trail[0]).toMatchObject({
      changedFields: ['staleIfErrorSeconds'],
      before: { staleIfErrorSeconds: 3_600 },
      after: { staleIfErrorSeconds: 0 },
      actor: { role: 'operator' },
    });
  });

  it('never records a secret', async () => {
    await expectCreated(api.put(`${T}/edge`, { routingMode: 'dns-srv', allowFederatedUsers: true }));
    await expectCreated(
      api.post(`${T}/hosting-providers`, {
        id: 'exo',
        proxyFqdn: 'exap.um.outlook.com',
        eventEndpoint: { url: 'https://events.example.com/exum', secret: SECRET },
      }),
    );
    const credential = await expectCreated(api.post(`${T}/credentials`, { role: 'reader', name: 'auditor' }));
    await api.delete(`${T}/credentials/${credential.id}`);
    const trail = await auditOf();
    const text = JSON.stringify(trail);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(credential.token);
    expect(text).not.toContain('tokenHash');
    expect(trail.find((record) => record.objectType === 'provider')?.after.eventEndpoint).toEqual({
      url: 'https://events.example.com/exum',
      secret: '[secret]',
    });
    const revocation = trail.find((record) => record.objectType === 'credential-record' && record.action === 'update');
    expect(revocation).toMatchObject({
      objectId: credential.id,
      changedFields: expect.arrayContaining(['revokedAt']),
      actor: { credentialId: context.service.operatorBootstrap.credentialId, role: 'operator' },
    });
  });

  it('records users, and filters by object, by credential and by time', async () => {
    const userAdminToken = (await expectCreated(api.post(`${T}/credentials`, { role: 'user-admin', name: 'bob' }))).token;
    const userAdmin = api.as(userAdminToken);
    const startedAt = new Date().toISOString();
    await expectCreated(userAdmin.post(`${T}/users`, { sipUri: 'sip:audited@contoso.com' }));
    await expectCreated(userAdmin.patch(`${T}/users/sip:audited@contoso.com`, { displayName: 'Audited' }));
    await userAdmin.delete(`${T}/users/sip:audited@contoso.com`);
    const byObject = await auditOf('?objectId=sip:audited@contoso.com');
    expect(byObject.map((record) => `${record.objectType} ${record.action}`)).toEqual(['user delete', 'user update', 'user create']);
    const bobId = byObject[0]!.actor.credentialId;
    const byCredential = await auditOf(`?credentialId=${bobId}`);
    expect(byCredential).toHaveLength(3);
    expect(await auditOf(`?to=${encodeURIComponent(startedAt)}&objectId=sip:audited@contoso.com`)).toHaveLength(0);
    const page = await api.get(`${T}/audit?limit=2`);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.nextCursor).not.toBeNull();
  });

  it('fills a filtered page with matches however many newer records do not match, and its cursor skips none', async () => {
    await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:needle@contoso.com' }));
    await expectCreated(api.patch(`${T}/users/sip:needle@contoso.com`, { displayName: 'Needle' }));
    // Newer than the needle's records, and more than the bounded reads of one record each used to look at.
    const hay = Array.from({ length: 30 }, (_, index) => ({ sipUri: `sip:hay${index}@contoso.com` }));
    const batch = await api.post(`${T}/users/batch`, { users: hay });
    expect(batch.status, JSON.stringify(batch.body)).toBe(200);
    await context.service.streamDriver!.drained();

    const first = await api.get(`${T}/audit?objectId=sip:needle@contoso.com&limit=1`);
    expect(first.body.items.map((record: { action: string }) => record.action)).toEqual(['update']);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await api.get(`${T}/audit?objectId=sip:needle@contoso.com&limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((record: { action: string }) => record.action)).toEqual(['create']);
    const all = await api.get(`${T}/audit?objectId=sip:needle@contoso.com&limit=5`);
    expect(all.body.items).toHaveLength(2);
    expect(all.body.nextCursor).toBeNull();
  });

  it('refuses bad query parameters', async () => {
    expect((await api.get(`${T}/audit?from=yesterday`)).body.errors[0].field).toBe('query.from');
    expect((await api.get(`${T}/audit?objectType=secret`)).status).toBe(400);
  });
});
