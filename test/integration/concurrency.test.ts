// Concurrent writers: uniqueness holds under racing creates, and no update is ever lost.
import { describe, expect, it } from 'vitest';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { useTestService } from '../support/service.js';

const T = '/v1/tenants/contoso';
const context = useTestService(async (api) => {
  await createTenant(api, 'contoso');
  await setUpHostedProvider(api, 'contoso');
});
const { api } = context;

const statuses = (answers: { status: number }[]) => answers.map((answer) => answer.status).sort();

describe('racing creates', () => {
  it('two creates of one SIP address (user and contact): exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const sipUri = `sip:race${round}@contoso.com`;
      const answers = await Promise.all([api.post(`${T}/users`, { sipUri }), api.post(`${T}/contacts`, { sipUri })]);
      expect(statuses(answers)).toEqual([201, 409]);
    }
  });

  it('eight creates of one line URI under different SIP addresses: exactly one wins', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        api.post(`${T}/users`, { sipUri: `sip:number${index}@contoso.com`, lineUri: 'tel:+14255551000' }),
      ),
    );
    expect(statuses(answers)).toEqual([201, ...Array(7).fill(409)]);
    const owners = await api.get(`${T}/users?lineUri=tel:%2B14255551000`);
    expect(owners.body.items).toHaveLength(1);
  });

  it('a user line URI and a contact display number racing for one number: exactly one wins', async () => {
    const answers = await Promise.all([
      api.post(`${T}/users`, { sipUri: 'sip:numrace@contoso.com', lineUri: 'tel:+14255552000' }),
      api.post(`${T}/contacts`, { sipUri: 'sip:sa-race@contoso.com', displayNumber: '+14255552000' }),
    ]);
    expect(statuses(answers)).toEqual([201, 409]);
  });

  it('two creates of one provider proxyFqdn: exactly one wins', async () => {
    const answers = await Promise.all([
      api.post(`${T}/hosting-providers`, { id: 'p1', proxyFqdn: 'proxy.race.example.com' }),
      api.post(`${T}/hosting-providers`, { id: 'p2', proxyFqdn: 'proxy.race.example.com' }),
    ]);
    expect(statuses(answers)).toEqual([201, 409]);
  });

  it('two tenants claiming one domain: exactly one wins', async () => {
    const answers = await Promise.all([
      api.post('/v1/tenants', { id: 'racer-one', name: 'One', domains: ['race.example.org'] }),
      api.post('/v1/tenants', { id: 'racer-two', name: 'Two', domains: ['race.example.org'] }),
    ]);
    expect(statuses(answers)).toEqual([201, 409]);
  });
});

describe('concurrent updates', () => {
  it('PATCHes with the same If-Match: exactly one wins, the others get 412 and change nothing', async () => {
    const created = await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:ifmatch@contoso.com' }));
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        api.patch(
          `${T}/users/sip:ifmatch@contoso.com`,
          { displayName: `writer ${index}` },
          { headers: { 'if-match': `"${created.version}"` } },
        ),
      ),
    );
    expect(statuses(answers)).toEqual([200, 412, 412, 412, 412, 412]);
    const winner = answers.find((answer) => answer.status === 200)!;
    const final = await api.get(`${T}/users/sip:ifmatch@contoso.com`);
    expect(final.body.displayName).toBe(winner.body.displayName);
    expect(final.body.version).toBe(created.version + 1);
    expect(final.headers.get('etag')).toBe(`"${created.version + 1}"`);
    expect(answers.find((answer) => answer.status === 412)!.body.errors[0].field).toBe('If-Match');
  });

  it('PATCHes without If-Match on different fields: every one of them lands', async () => {
    await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:many@contoso.com' }));
    const patches = [
      { displayName: 'Many Writers' },
      { site: 'Redmond' },
      { registrarPool: 'pool01.contoso.com' },
      { lineUri: 'tel:+14255553000' },
      { enterpriseVoiceEnabled: true },
      { onPremisesUm: { enabled: true } },
      { onPremisesUm: { dialPlan: 'dp.contoso.com' } },
      { hostedVoicemailPolicy: 'ExOnline' },
    ];
    const answers = await Promise.all(patches.map((patch) => api.patch(`${T}/users/sip:many@contoso.com`, patch)));
    expect(statuses(answers)).toEqual(Array(patches.length).fill(200));
    const final = (await api.get(`${T}/users/sip:many@contoso.com`)).body;
    expect(final).toMatchObject({
      displayName: 'Many Writers',
      site: 'Redmond',
      registrarPool: 'pool01.contoso.com',
      lineUri: 'tel:+14255553000',
      enterpriseVoiceEnabled: true,
      onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' },
      hostedVoicemailPolicy: 'ExOnline',
    });
    expect(final.version).toBe(1 + patches.length);
    // The number copy followed: the line URI resolves to the final record.
    const byNumber = await context.service.store.principals.getByNumber('contoso', 'tel:+14255553000');
    expect(byNumber?.version).toBe(final.version);
  });

  it('concurrent config writes on different objects all land (serialised on the tenant)', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        api.post(`${T}/dial-plans`, { id: `dp${index}.contoso.com`, uriType: 'e164', voipSecurity: 'secured' }),
      ),
    );
    expect(statuses(answers)).toEqual(Array(6).fill(201));
    expect((await api.get(`${T}/dial-plans`)).body.items).toHaveLength(6);
  });

  it('grant counts stay exact under concurrent grants and revokes', async () => {
    await expectCreated(api.post(`${T}/voicemail-policies`, { id: 'tag:Counted', destination: 'exap.um.outlook.com' }));
    const users = Array.from({ length: 6 }, (_, index) => `sip:counted${index}@contoso.com`);
    await Promise.all(users.map((sipUri) => api.post(`${T}/users`, { sipUri, hostedVoicemailPolicy: 'Counted' })));
    await Promise.all(users.slice(0, 3).map((sipUri) => api.patch(`${T}/users/${sipUri}`, { hostedVoicemailPolicy: null })));
    expect(await context.service.store.principals.getGrantCount('contoso', 'Counted')).toBe(3);
    await Promise.all(users.slice(3).map((sipUri) => api.delete(`${T}/users/${sipUri}`)));
    expect(await context.service.store.principals.getGrantCount('contoso', 'Counted')).toBe(0);
    expect((await api.delete(`${T}/voicemail-policies/tag:Counted`)).status).toBe(204);
  });

  it('a grant racing the deletion of its policy: never a user granted a deleted policy', async () => {
    for (let round = 0; round < 4; round++) {
      const tag = `Racy${round}`;
      await expectCreated(api.post(`${T}/voicemail-policies`, { id: `tag:${tag}`, destination: 'exap.um.outlook.com' }));
      const sipUri = `sip:racy${round}@contoso.com`;
      const [granted, deleted] = await Promise.all([
        api.post(`${T}/users`, { sipUri, hostedVoicemailPolicy: tag }),
        api.delete(`${T}/voicemail-policies/tag:${tag}`),
      ]);
      const policyExists = (await api.get(`${T}/voicemail-policies/tag:${tag}`)).status === 200;
      const user = await api.get(`${T}/users/${sipUri}`);
      if (granted.status === 201) expect(policyExists).toBe(true);
      if (deleted.status === 204) expect(user.status === 404 || user.body.hostedVoicemailPolicy === null).toBe(true);
      // The grant counter and the policy guard make the two writes exclusive.
      expect([granted.status, deleted.status].sort()).toEqual(granted.status === 201 ? [201, 409] : [204, 409]);
    }
  });
});
