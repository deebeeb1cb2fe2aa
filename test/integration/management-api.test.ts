// The management API's behaviour through HTTP: ETags and If-Match, dry runs, pagination and
// filters, the admin/provider split of hosted voicemail, and secrets that never come back.
import { beforeAll, describe, expect, it } from 'vitest';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { useTestService } from '../support/service.js';

const T = '/v1/tenants/contoso';
const context = useTestService(async (api) => {
  await createTenant(api, 'contoso');
  await setUpHostedProvider(api, 'contoso');
});
const { api } = context;

describe('ETag and If-Match', () => {
  it('gives every item an ETag that follows its version', async () => {
    const created = await api.post(`${T}/dial-plans`, {
      id: 'dp1.contoso.com',
      uriType: 'sip-name',
      voipSecurity: 'secured',
      servers: [
        { fqdn: 'um01.contoso.local', exchangeVersion: 15 },
        { fqdn: 'um02.contoso.local', exchangeVersion: 14, port: 5063, transport: 'tcp' },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body.servers[0]).toEqual({ fqdn: 'um01.contoso.local', port: 5061, transport: 'tls', exchangeVersion: 15 });
    const changed = await api.patch(`${T}/dial-plans/dp1.contoso.com`, { voipSecurity: 'unsecured' }, { headers: { 'if-match': '"1"' } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('"2"');
    expect((await api.get(`${T}/dial-plans/DP1.contoso.com`)).headers.get('etag')).toBe('"2"');
  });

  it('refuses a stale If-Match with 412 on PATCH, PUT and DELETE, changing nothing', async () => {
    const before = await context.service.snapshot();
    expect(
      (await api.patch(`${T}/dial-plans/dp1.contoso.com`, { voipSecurity: 'secured' }, { headers: { 'if-match': '"1"' } })).status,
    ).toBe(412);
    expect((await api.delete(`${T}/dial-plans/dp1.contoso.com`, { headers: { 'if-match': 'W/"1"' } })).status).toBe(412);
    const edge = await api.get(`${T}/edge`);
    const stale = `"${edge.body.version - 1}"`;
    expect(
      (await api.put(`${T}/edge`, { routingMode: 'dns-srv', allowFederatedUsers: true }, { headers: { 'if-match': stale } })).status,
    ).toBe(412);
    expect(await context.service.snapshot()).toBe(before);
    expect((await api.delete(`${T}/dial-plans/dp1.contoso.com`, { headers: { 'if-match': '"2"' } })).status).toBe(204);
    expect((await api.get(`${T}/dial-plans/dp1.contoso.com`)).status).toBe(404);
  });

  it('refuses a malformed If-Match with 400 naming the header', async () => {
    for (const malformed of ['version-3', '"3', '"3" "4"', '3']) {
      const answer = await api.patch(`${T}/voicemail-policies/global`, { description: 'x' }, { headers: { 'if-match': malformed } });
      expect(answer.status, malformed).toBe(400);
      expect(answer.body.errors[0]).toMatchObject({ field: 'If-Match', rule: 'etag' });
    }
  });

  it('reads If-Match as HTTP does: a tag naming no version is 412, a list matches any of its tags, a weak tag never', async () => {
    const policy = await api.get(`${T}/voicemail-policies/global`);
    const version = policy.body.version as number;
    const before = await context.service.snapshot();
    for (const unmatched of ['"stale-0"', `W/"${version}"`, `"${version + 5}", "x"`]) {
      const answer = await api.patch(`${T}/voicemail-policies/global`, { description: 'x' }, { headers: { 'if-match': unmatched } });
      expect(answer.status, unmatched).toBe(412);
    }
    expect(await context.service.snapshot()).toBe(before);
    const listed = await api.patch(
      `${T}/voicemail-policies/global`,
      { description: 'matched in a list' },
      { headers: { 'if-match': `"stale-0", W/"${version}", "${version}"` } },
    );
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.description).toBe('matched in a list');
    // "*" matches any current version: the object exists.
    const any = await api.patch(`${T}/voicemail-policies/global`, { description: 'any version' }, { headers: { 'if-match': '*' } });
    expect(any.status, JSON.stringify(any.body)).toBe(200);
    expect(any.body.version).toBe(version + 2);
  });
});

describe('dry runs', () => {
  it('validate, report what would change, and write nothing', async () => {
    await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:dry@contoso.com', lineUri: 'tel:+14255554000' }));
    const before = await context.service.snapshot();
    const writes = [
      api.post(`${T}/users?dryRun=true`, { sipUri: 'sip:new@contoso.com' }),
      api.patch(`${T}/users/sip:dry@contoso.com?dryRun=true`, { displayName: 'Dry' }),
      api.delete(`${T}/users/sip:dry@contoso.com?dryRun=true`),
      api.post(`${T}/contacts?dryRun=true`, { sipUri: 'sip:aa@contoso.com', kind: 'auto-attendant', displayNumber: '14255554001' }),
      api.post(`${T}/hosting-providers?dryRun=true`, { id: 'fab', proxyFqdn: 'proxy.fabrikam.com' }),
      api.patch(`${T}/hosting-providers/exo?dryRun=true`, { enabled: false }),
      api.post(`${T}/voicemail-policies?dryRun=true`, { id: 'site:Redmond', destination: 'exap.um.outlook.com' }),
      api.post(`${T}/rerouting?dryRun=true`, { id: 'site:Redmond', enabled: true, autoAttendantNumber: '+14255550000' }),
      api.put(`${T}/edge?dryRun=true`, {
        routingMode: 'dns-srv',
        allowFederatedUsers: true,
        nextHop: 'sip:edge.contoso.local:5061;transport=tls',
      }),
      api.post(`${T}/credentials?dryRun=true`, { role: 'reader', name: 'dry' }),
      api.post('/v1/tenants?dryRun=true', { id: 'drytenant', name: 'Dry', domains: ['dry.example.com'] }),
    ];
    const answers = await Promise.all(writes);
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.dryRun).toBe(true);
      expect(answer.body.changes).toHaveLength(1);
      expect(JSON.stringify(answer.body)).not.toContain('"token"');
    }
    expect(answers[1]!.body.changes[0]).toMatchObject({
      action: 'update',
      type: 'user',
      id: 'sip:dry@contoso.com',
      after: { displayName: 'Dry' },
    });
    expect(answers[2]!.body.changes[0]).toMatchObject({ action: 'delete', after: null });
    expect(answers[3]!.body.changes[0].after).toMatchObject({ lineUri: 'tel:+14255554001' });
    expect(await context.service.snapshot()).toBe(before);
  });

  it('still refuses what the write would refuse, duplicates included', async () => {
    const duplicate = await api.post(`${T}/contacts?dryRun=true`, { sipUri: 'sip:other@contoso.com', displayNumber: '+14255554000' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.errors[0].field).toBe('displayNumber');
    expect((await api.delete(`${T}/voicemail-policies/global?dryRun=true`)).status).toBe(409);
  });
});

describe('hosted voicemail: the admin and the provider', () => {
  let providerToken: string;
  beforeAll(async () => {
    providerToken = (await expectCreated(api.post(`${T}/credentials`, { role: 'provider', name: 'exo', providerId: 'exo' }))).token;
    await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:hosted@contoso.com', hostedVoicemailPolicy: 'ExOnline' }));
    await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:onprem@contoso.com' }));
  });

  it('lets the provider set its flag for users it serves, and nobody else', async () => {
    const provider = api.as(providerToken);
    const set = await provider.put(`${T}/users/sip:hosted@contoso.com/hosted-voicemail/provider`, { value: true });
    expect(set.status).toBe(200);
    expect(set.body.hostedVoicemail).toEqual({ admin: null, provider: true });
    const notServed = await provider.put(`${T}/users/sip:onprem@contoso.com/hosted-voicemail/provider`, { value: true });
    expect(notServed.status).toBe(403);
    expect(notServed.body.errors[0]).toMatchObject({ field: 'hostedVoicemail.provider', rule: 'own-provider-only' });
    expect((await api.put(`${T}/users/sip:hosted@contoso.com/hosted-voicemail/provider`, { value: false })).status).toBe(403);
    expect((await provider.patch(`${T}/users/sip:hosted@contoso.com`, { displayName: 'x' })).status).toBe(403);
  });

  it('warns the admin who writes the flag of a user the provider manages', async () => {
    const answer = await api.patch(`${T}/users/sip:hosted@contoso.com`, { hostedVoicemail: { admin: false } });
    expect(answer.status).toBe(200);
    expect(answer.body.hostedVoicemail).toEqual({ admin: false, provider: true });
    expect(answer.body.warnings[0]).toContain('another party manages');
    expect(answer.headers.get('warning')).toMatch(/^299 exum-router "/);
    const quiet = await api.patch(`${T}/users/sip:onprem@contoso.com`, { hostedVoicemail: { admin: false } });
    expect(quiet.body.warnings).toBeUndefined();
  });

  it('lets the admin enable hosted voicemail once a destination applies', async () => {
    const answer = await api.patch(`${T}/users/sip:onprem@contoso.com`, {
      hostedVoicemailPolicy: 'tag:ExOnline',
      hostedVoicemail: { admin: true },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ hostedVoicemailPolicy: 'ExOnline', hostedVoicemail: { admin: true, provider: null } });
  });
});

describe('hosting provider secrets', () => {
  it('are accepted on write and never returned', async () => {
    const secret = 'whsec_this-is-a-test-secret-000000000';
    const created = await api.post(`${T}/hosting-providers`, {
      id: 'litware',
      proxyFqdn: 'proxy.litware.com',
      eventEndpoint: { url: 'https://events.litware.com/exum', secret },
    });
    expect(created.status).toBe(201);
    expect(created.body.eventEndpoint).toEqual({ url: 'https://events.litware.com/exum', secretConfigured: true });
    for (const answer of [created, await api.get(`${T}/hosting-providers/litware`), await api.get(`${T}/hosting-providers`)]) {
      expect(JSON.stringify(answer.body)).not.toContain(secret);
    }
    const insecure = await api.post(`${T}/hosting-providers`, {
      id: 'bad',
      proxyFqdn: 'p.bad.com',
      eventEndpoint: { url: 'http://events.bad.com', secret },
    });
    expect(insecure.status).toBe(400);
    expect(insecure.body.errors[0].field).toBe('eventEndpoint.url');
  });
});

describe('listing', () => {
  beforeAll(async () => {
    for (let index = 0; index < 25; index++) {
      const site = index % 2 === 0 ? 'Redmond' : 'Dublin';
      const lineUri = index < 10 ? `tel:+1425555${String(5000 + index)}` : `tel:+3531555${String(5000 + index)}`;
      await expectCreated(
        api.post(`${T}/users`, {
          sipUri: `sip:list${String(index).padStart(2, '0')}@contoso.com`,
          site,
          lineUri,
          enabled: index % 5 !== 0,
        }),
      );
    }
  });

  it('pages through users with a cursor, each exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { sipUri: string }[]; nextCursor: string | null } } = await api.get(
        `${T}/users?limit=7${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      expect(page.body.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.body.items.map((user) => user.sipUri));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    const listed = seen.filter((sipUri) => sipUri.startsWith('sip:list'));
    expect(listed).toHaveLength(25);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('filters by enabled, site and line URI prefix', async () => {
    const disabled = await api.get(`${T}/users?enabled=false`);
    expect(disabled.body.items.map((u: { sipUri: string }) => u.sipUri)).toEqual([
      'sip:list00@contoso.com',
      'sip:list05@contoso.com',
      'sip:list10@contoso.com',
      'sip:list15@contoso.com',
      'sip:list20@contoso.com',
    ]);
    const redmond1425 = await api.get(`${T}/users?site=Redmond&lineUri=tel:%2B1425*`);
    expect(redmond1425.body.items).toHaveLength(5);
    expect(
      redmond1425.body.items.every((u: { site: string; lineUri: string }) => u.site === 'Redmond' && u.lineUri.startsWith('tel:+1425')),
    ).toBe(true);
  });

  it('filters by SIP address prefix (with or without sip:) and by route, as the console does', async () => {
    const list1 = await api.get(`${T}/users?sipUriPrefix=list1`);
    expect(list1.status).toBe(200);
    expect(list1.body.items.map((u: { sipUri: string }) => u.sipUri)).toEqual(
      Array.from({ length: 10 }, (_, index) => `sip:list1${index}@contoso.com`),
    );
    const exact = await api.get(`${T}/users?sipUriPrefix=${encodeURIComponent('sip:list07@CONTOSO.com')}`);
    expect(exact.body.items.map((u: { sipUri: string }) => u.sipUri)).toEqual(['sip:list07@contoso.com']);
    // The disabled ones do not route; none of the listed users is hosted.
    const notRoutable = await api.get(`${T}/users?sipUriPrefix=list&route=notRoutable&limit=100`);
    expect(notRoutable.body.items.map((u: { sipUri: string }) => u.sipUri)).toEqual(
      expect.arrayContaining(['sip:list00@contoso.com', 'sip:list05@contoso.com', 'sip:list20@contoso.com']),
    );
    expect((await api.get(`${T}/users?sipUriPrefix=list&route=hosted`)).body.items).toEqual([]);
    // A cursor from outside the prefix is refused naming the cursor (DynamoDB would refuse it as outside the key condition).
    const first = await api.get(`${T}/users?limit=1`);
    const outside = await api.get(`${T}/users?sipUriPrefix=zz&cursor=${first.body.nextCursor}`);
    expect(outside.status).toBe(400);
    expect(outside.body.errors[0]).toMatchObject({ field: 'cursor' });
    const within = await api.get(`${T}/users?sipUriPrefix=list1&limit=3`);
    const next = await api.get(`${T}/users?sipUriPrefix=list1&limit=100&cursor=${within.body.nextCursor}`);
    expect(next.body.items.map((u: { sipUri: string }) => u.sipUri)).toEqual(
      Array.from({ length: 7 }, (_, index) => `sip:list1${index + 3}@contoso.com`),
    );
    const refused = await api.get(`${T}/users?route=somewhere`);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({ field: 'query.route' });
  });

  it('pages configuration collections too', async () => {
    const first = await api.get(`${T}/hosting-providers?limit=1`);
    expect(first.body.items).toHaveLength(1);
    const second = await api.get(`${T}/hosting-providers?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect((await api.get(`${T}/hosting-providers?enabled=true`)).body.items.map((p: { id: string }) => p.id)).toEqual(['exo']);
  });

  it('refuses a cursor issued for another tenant or made up', async () => {
    await expectCreated(api.post('/v1/tenants', { id: 'fabrikam', name: 'Fabrikam', domains: ['fabrikam.com'] }));
    const foreign = Buffer.from(
      JSON.stringify({
        gsi1pk: 'T#contoso#USER',
        gsi1sk: 'sip:list03@contoso.com',
        pk: 'T#contoso#ADDR#sip:list03@contoso.com',
        sk: 'PRINCIPAL',
      }),
    ).toString('base64url');
    const answer = await api.get(`/v1/tenants/fabrikam/users?cursor=${foreign}`);
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].field).toBe('cursor');
    expect((await api.get(`${T}/users?cursor=%%%`)).status).toBe(400);
    expect((await api.get(`${T}/users?limit=0`)).body.errors[0].field).toBe('query.limit');
  });
});

describe('users and contacts', () => {
  it('derives a contact’s line URI from its display number, and follows changes', async () => {
    const created = await expectCreated(
      api.post(`${T}/contacts`, { sipUri: 'sip:exum-aa@contoso.com', kind: 'auto-attendant', displayNumber: '14255556000' }),
    );
    expect(created).toMatchObject({
      type: 'contact',
      displayNumber: '+14255556000',
      lineUri: 'tel:+14255556000',
      enterpriseVoiceEnabled: true,
      onPremisesDialPlan: null,
    });
    const moved = await api.patch(`${T}/contacts/sip:exum-aa@contoso.com`, { displayNumber: '+14255556001' });
    expect(moved.body.lineUri).toBe('tel:+14255556001');
    expect(await context.service.store.principals.getByNumber('contoso', 'tel:+14255556000')).toBeUndefined();
    expect((await context.service.store.principals.getByNumber('contoso', 'tel:+14255556001'))?.sipUri).toBe('sip:exum-aa@contoso.com');
    // The freed number can be taken again.
    await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:reuse@contoso.com', lineUri: 'tel:+14255556000' }));
  });

  it('renames a user: the old address is free, the number follows', async () => {
    await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:OldName@contoso.com', lineUri: 'tel:+14255557000' }));
    const renamed = await api.patch(`${T}/users/sip:OldName@CONTOSO.COM`, { sipUri: 'sip:NewName@contoso.com' });
    expect(renamed.status).toBe(200);
    expect((await api.get(`${T}/users/sip:OldName@contoso.com`)).status).toBe(404);
    expect((await context.service.store.principals.getByNumber('contoso', 'tel:+14255557000'))?.sipUri).toBe('sip:NewName@contoso.com');
    // SIP user parts are case-sensitive (RFC 3261): a different case is a different address.
    expect((await api.get(`${T}/users/sip:newname@contoso.com`)).status).toBe(404);
  });

  it('does not confuse users and contacts on their routes', async () => {
    await expectCreated(api.post(`${T}/contacts`, { sipUri: 'sip:sa-only@contoso.com' }));
    expect((await api.get(`${T}/users/sip:sa-only@contoso.com`)).status).toBe(404);
    expect((await api.delete(`${T}/users/sip:sa-only@contoso.com`)).status).toBe(404);
  });
});
