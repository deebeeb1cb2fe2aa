// Safe retries (issue 15, item 4): a POST that creates something, sent with an Idempotency-Key,
// is carried out once per credential and key; the same request again answers the first answer;
// the key with another request is refused naming the header; another credential's same key is
// its own.
import { describe, expect, it } from 'vitest';
import { createTenantWithCredentials, useTestService, type ApiClient } from '../support/service.js';
import { expectCreated, setUpHostedProvider } from '../support/fixtures.js';

const T = '/v1/tenants/contoso';
const headers = (key: string) => ({ headers: { 'idempotency-key': key } });
let admin: ApiClient;
let otherAdmin: ApiClient;
let fabrikamAdmin: ApiClient;

const context = useTestService(async (api) => {
  const tokens = await createTenantWithCredentials(api, 'contoso', ['contoso.com']);
  admin = api.as(tokens['user-admin']);
  otherAdmin = api.as((await expectCreated(api.post(`${T}/credentials`, { role: 'user-admin', name: 'second admin' }))).token);
  fabrikamAdmin = api.as((await createTenantWithCredentials(api, 'fabrikam', ['fabrikam.com']))['user-admin']);
  await setUpHostedProvider(api, 'contoso');
  await expectCreated(
    api.post(`${T}/dial-plans`, {
      id: 'dp.contoso.com',
      uriType: 'sip-name',
      voipSecurity: 'secured',
      servers: [{ fqdn: 'um01.contoso.local', exchangeVersion: 15 }],
    }),
  );
});
const { api } = context;

const user = (sipUri: string, lineUri: string) => ({
  sipUri,
  lineUri,
  enterpriseVoiceEnabled: true,
  onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' },
});

describe('Idempotency-Key on POSTs that create', () => {
  it('answers the same key and body again with the first answer, creating one user', async () => {
    const body = user('sip:ida@contoso.com', 'tel:+14255550100');
    const first = await admin.post(`${T}/users`, body, headers('user-ida-1'));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await admin.post(`${T}/users`, body, headers('user-ida-1'));
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // Without the key the same body is a duplicate: the key is what made the retry safe.
    expect((await admin.post(`${T}/users`, body)).status).toBe(409);
    const listed = (await api.get(`${T}/users?limit=500`)).body.items.filter((item: { sipUri: string }) => item.sipUri === body.sipUri);
    expect(listed).toHaveLength(1);
  });

  it('refuses the same key with another body, naming the header and the rule, creating nothing', async () => {
    const first = await admin.post(`${T}/users`, user('sip:idb@contoso.com', 'tel:+14255550101'), headers('user-idb-1'));
    expect(first.status).toBe(201);
    const other = await admin.post(`${T}/users`, user('sip:idc@contoso.com', 'tel:+14255550102'), headers('user-idb-1'));
    expect(other.status, JSON.stringify(other.body)).toBe(422);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(other.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key', rule: 'idempotency-key-reused' })]);
    expect((await api.get(`${T}/users/sip:idc@contoso.com`)).status).toBe(404);
  });

  it("keeps each credential's keys its own: another credential's same key carries out its own request", async () => {
    const mine = await admin.post(`${T}/users`, user('sip:idd@contoso.com', 'tel:+14255550103'), headers('shared-key'));
    expect(mine.status).toBe(201);
    const theirs = await otherAdmin.post(`${T}/users`, user('sip:ide@contoso.com', 'tel:+14255550104'), headers('shared-key'));
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(201);
    expect(theirs.body.sipUri).toBe('sip:ide@contoso.com');
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    // Another tenant's credential with the same key and the same body gets no answer of contoso's.
    const foreign = await fabrikamAdmin.post(`${T}/users`, user('sip:idd@contoso.com', 'tel:+14255550103'), headers('shared-key'));
    expect(foreign.status).toBe(404);
  });

  it('refuses a malformed key naming the header; a request refused by a rule leaves the key free', async () => {
    const malformed = await admin.post(`${T}/users`, user('sip:idf@contoso.com', 'tel:+14255550105'), headers('has space'));
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key', rule: 'idempotency-key-format' })]);
    // A duplicate line URI is refused (409): nothing is remembered, the corrected request... is another request.
    const refused = await admin.post(`${T}/users`, user('sip:idf@contoso.com', 'tel:+14255550100'), headers('user-idf-1'));
    expect(refused.status).toBe(409);
    const retried = await admin.post(`${T}/users`, user('sip:idf@contoso.com', 'tel:+14255550100'), headers('user-idf-1'));
    expect(retried.status).toBe(409);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
  });

  it('answers a credential creation again with the same credential, its token left out (stored only hashed), one credential', async () => {
    for (const [path, body] of [
      [`${T}/credentials`, { role: 'reader', name: 'retried reader' }],
      ['/v1/operator-credentials', { name: 'retried operator' }],
    ] as const) {
      const first = await api.post(path, body, headers(`credential-${body.name.replace(' ', '-')}`));
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      expect(first.body.token).toMatch(/^exum_/);
      const again = await api.post(path, body, headers(`credential-${body.name.replace(' ', '-')}`));
      expect(again.status, JSON.stringify(again.body)).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.id).toBe(first.body.id);
      expect(again.body).not.toHaveProperty('token');
      // Nothing of the token is kept with the key: not in the answer given again, not in the table.
      expect(await context.service.snapshot()).not.toContain(first.body.token);
      const listed = (await api.get(path === '/v1/operator-credentials' ? path : `${path}?limit=500`)).body.items;
      expect(listed.filter((credential: { name: string }) => credential.name === body.name)).toHaveLength(1);
      // The first answer's token works.
      expect((await api.as(first.body.token).get('/v1/whoami')).body.credentialId).toBe(first.body.id);
    }
  });

  it('answers a migration start again with the migration it made, one migration', async () => {
    await expectCreated(admin.post(`${T}/users`, user('sip:idm@contoso.com', 'tel:+14255550110')));
    const request = { users: ['sip:idm@contoso.com'], providerId: 'exo', grantPolicy: 'ExOnline' };
    const first = await admin.post(`${T}/migrations`, request, headers('migration-1'));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await admin.post(`${T}/migrations`, request, headers('migration-1'));
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const listed = (await api.get(`${T}/migrations?limit=500`)).body.items;
    expect(listed.filter((migration: { id: string }) => migration.id === first.body.id)).toHaveLength(1);
    expect(listed).toHaveLength(1);
    // The same key from another credential is its own request: refused as the user is taken (not the first answer).
    const theirs = await otherAdmin.post(`${T}/migrations`, request, headers('migration-1'));
    expect(theirs.status).toBe(409);
    expect(theirs.body.errors[0]).toMatchObject({ rule: 'one-open-migration-per-user' });
  });
});
