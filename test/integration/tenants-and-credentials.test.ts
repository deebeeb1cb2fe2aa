import { beforeAll, describe, expect, it } from 'vitest';
import { useTestService } from '../support/service.js';

const context = useTestService();
const { api } = context;

describe('tenants', () => {
  it('creates a tenant with its edge defaults and a global policy', async () => {
    const created = await api.post('/v1/tenants', { id: 'contoso', name: 'Contoso', domains: ['Contoso.COM', 'contoso.net'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'contoso', domains: ['contoso.com', 'contoso.net'], version: 1 });
    expect(created.headers.get('etag')).toBe('"1"');

    expect((await api.get('/v1/tenants/contoso/edge')).body).toMatchObject({
      routingMode: 'dns-srv',
      allowFederatedUsers: false,
      nextHop: null,
    });
    expect((await api.get('/v1/tenants/contoso/voicemail-policies/global')).body).toMatchObject({ id: 'global', destination: null });
    expect((await api.get('/v1/tenants')).body.items.map((t: { id: string }) => t.id)).toContain('contoso');
  });

  it('refuses a second tenant with the same id (409 on id)', async () => {
    await api.post('/v1/tenants', { id: 'dup-tenant', name: 'One', domains: ['dup-one.example'] });
    const again = await api.post('/v1/tenants', { id: 'dup-tenant', name: 'Two', domains: ['dup-two.example'] });
    expect(again.status).toBe(409);
    expect(again.body.errors[0]).toMatchObject({ field: 'id', rule: 'unique-tenant-id' });
  });

  it('refuses a domain that belongs to another tenant, and writes nothing', async () => {
    await api.post('/v1/tenants', { id: 'fabrikam', name: 'Fabrikam', domains: ['fabrikam.com'] });
    const before = await context.service.snapshot();
    const taken = await api.post('/v1/tenants', { id: 'fabrikam-two', name: 'Copy', domains: ['other.example', 'FABRIKAM.com'] });
    expect(taken.status).toBe(409);
    expect(taken.headers.get('content-type')).toBe('application/problem+json');
    expect(taken.body.errors[0]).toMatchObject({ field: 'domains.1', rule: 'domain-belongs-to-one-tenant' });
    expect(await context.service.snapshot()).toBe(before);
    expect((await api.get('/v1/tenants/fabrikam-two')).status).toBe(404);
    const dryRun = await api.post('/v1/tenants?dryRun=true', { id: 'fabrikam-two', name: 'Copy', domains: ['fabrikam.com'] });
    expect(dryRun.status).toBe(409);
    expect(dryRun.body.errors[0]).toMatchObject({ field: 'domains.0', rule: 'domain-belongs-to-one-tenant' });
  });

  it('creates a tenant with as many domains as its creation transaction holds, and refuses one more naming domains', async () => {
    const domains = (count: number, id: string) => Array.from({ length: count }, (_, index) => `d${index}.${id}.example.com`);
    const most = await api.post('/v1/tenants', { id: 'many-domains', name: 'Many', domains: domains(96, 'many-domains') });
    expect(most.status, JSON.stringify(most.body)).toBe(201);
    const more = await api.post('/v1/tenants', { id: 'too-many', name: 'Too many', domains: domains(97, 'too-many') });
    expect(more.status).toBe(400);
    expect(more.body.errors[0]).toMatchObject({ field: 'domains' });
    expect((await api.get('/v1/tenants/too-many')).status).toBe(404);
  });

  it('answers 404 for a tenant that does not exist', async () => {
    expect((await api.get('/v1/tenants/nowhere')).status).toBe(404);
  });
});

describe('the API Gateway authorizer', () => {
  it('turns a valid token into the context the handlers read, and refuses others with Unauthorized', async () => {
    const { createAuthorizer } = await import('../../lib/auth/authorizer.js');
    await api.post('/v1/tenants', { id: 'northwind', name: 'Northwind', domains: ['northwind.com'] });
    const created = await api.post('/v1/tenants/northwind/credentials', { role: 'gateway', name: 'gw1' });
    const authorize = createAuthorizer(context.service.store);
    const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/v1/resolve';
    const event = (authorization: string) => ({ type: 'REQUEST', methodArn, headers: { Authorization: authorization } }) as never;
    const result = await authorize(event(`Bearer ${created.body.token}`));
    expect(result.context).toEqual({ credentialId: created.body.id, role: 'gateway', tenantId: 'northwind', providerId: '' });
    expect(result.policyDocument.Statement[0]).toMatchObject({
      Effect: 'Allow',
      Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*',
    });
    await expect(authorize(event('Bearer exum_unknown_token_000000000000000000000000'))).rejects.toThrow('Unauthorized');
    await api.delete(`/v1/tenants/northwind/credentials/${created.body.id}`);
    await expect(authorize(event(`Bearer ${created.body.token}`))).rejects.toThrow('Unauthorized');
  });
});

describe('the credential cache', () => {
  it('trusts a checked credential for its TTL, then checks again; new credentials work at once', async () => {
    const { createCachedAuthenticator } = await import('../../lib/auth/credential-cache.js');
    await api.post('/v1/tenants', { id: 'adventure', name: 'Adventure Works', domains: ['adventure-works.com'] });
    let clock = 0;
    const authenticate = createCachedAuthenticator(context.service.store, { ttlMs: 30_000, now: () => clock });
    const created = await api.post('/v1/tenants/adventure/credentials', { role: 'reader', name: 'cached' });
    expect((await authenticate(`Bearer ${created.body.token}`))?.credentialId).toBe(created.body.id);
    // Revoked by another process (straight in the store): a revocation through this process's API
    // would drop it from this cache at once (test/integration/operator-credentials.test.ts).
    const record = await context.service.store.credentials.get('adventure', created.body.id);
    await context.service.store.credentials.revoke(record!, new Date().toISOString(), { credentialId: 'cred_other', role: 'operator' });
    clock += 29_999;
    expect(await authenticate(`Bearer ${created.body.token}`)).toBeDefined();
    clock += 1;
    expect(await authenticate(`Bearer ${created.body.token}`)).toBeUndefined();
    const fresh = await api.post('/v1/tenants/adventure/credentials', { role: 'reader', name: 'fresh' });
    expect(await authenticate(`Bearer ${fresh.body.token}`)).toBeDefined();
  });
});

describe('credentials', () => {
  beforeAll(async () => {
    await api.post('/v1/tenants', { id: 'litware', name: 'Litware', domains: ['litware.com'] });
  });

  it('shows the token once, stores only its hash, and lists the credential without it', async () => {
    const created = await api.post('/v1/tenants/litware/credentials', { role: 'reader', name: 'auditor' });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^exum_[A-Za-z0-9_-]{43}$/);
    const snapshot = await context.service.snapshot();
    expect(snapshot).not.toContain(created.body.token);

    const listed = await api.get('/v1/tenants/litware/credentials');
    const entry = listed.body.items.find((c: { id: string }) => c.id === created.body.id);
    expect(entry).toMatchObject({ role: 'reader', name: 'auditor', revokedAt: null });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    expect(JSON.stringify(listed.body)).not.toContain('tokenHash');

    expect((await api.as(created.body.token).get('/v1/tenants/litware')).status).toBe(200);
  });

  it('revokes a credential: its token stops working at once', async () => {
    const created = await api.post('/v1/tenants/litware/credentials', { role: 'user-admin', name: 'temp' });
    expect((await api.as(created.body.token).get('/v1/tenants/litware/users')).status).toBe(200);
    expect((await api.delete(`/v1/tenants/litware/credentials/${created.body.id}`)).status).toBe(204);
    const after = await api.as(created.body.token).get('/v1/tenants/litware/users');
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('Bearer');
    expect((await api.delete(`/v1/tenants/litware/credentials/${created.body.id}`)).status).toBe(404);
    const listed = await api.get('/v1/tenants/litware/credentials');
    expect(listed.body.items.find((c: { id: string }) => c.id === created.body.id).revokedAt).not.toBeNull();
  });

  it('requires a provider id for a provider credential, and that the provider exists', async () => {
    const missing = await api.post('/v1/tenants/litware/credentials', { role: 'provider', name: 'exo' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0]).toMatchObject({ field: 'providerId', rule: 'provider-credential-needs-provider' });
    const unknown = await api.post('/v1/tenants/litware/credentials', { role: 'provider', name: 'exo', providerId: 'exo' });
    expect(unknown.status).toBe(409);
    expect(unknown.body.errors[0]).toMatchObject({ field: 'providerId', rule: 'provider-exists' });
  });

  it('does not create operator credentials per tenant', async () => {
    const operator = await api.post('/v1/tenants/litware/credentials', { role: 'operator', name: 'root' });
    expect(operator.status).toBe(400);
    expect(operator.body.errors[0].field).toBe('role');
  });

  it('refuses unknown, malformed and missing credentials with 401', async () => {
    expect((await api.as(null).get('/v1/tenants/litware')).status).toBe(401);
    expect((await api.as('exum_not_a_real_token_at_all_00000000000000000000').get('/v1/tenants/litware')).status).toBe(401);
    expect((await api.call('GET', '/v1/tenants/litware', { token: null, headers: { authorization: 'Basic Zm9vOmJhcg==' } })).status).toBe(
      401,
    );
  });
});
