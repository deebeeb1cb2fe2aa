// The authorization matrix, generated from the route table: every route × every role × own
// tenant / other tenant, plus no, revoked and malformed credentials. Writes run as dry runs.
import { describe, expect, it } from 'vitest';
import { apiRoutes } from '../../lib/api/api-routes.js';
import { ROLES, type Role } from '../../lib/domain/credential.js';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { OPERATOR_TOKEN, useTestService, type ApiClient } from '../support/service.js';

const tokens = {} as Record<Role, string>;
let revokedToken: string;
let credentialId: string;

/** Path parameters naming objects that exist in both tenants. */
function concretePath(template: string, tenant: string): string {
  const id = template.includes('hosting-providers') ? 'exo'
    : template.includes('voicemail-policies') ? 'global'
    : template.includes('dial-plans') ? 'dp.example.com'
    : template.includes('rerouting') ? 'global'
    : 'unused';
  return template
    .replace('{tenant}', tenant)
    .replace('{id}', id)
    .replace('{sipUri}', template.includes('contacts') ? `sip:sa@${tenant}.com` : `sip:alice@${tenant}.com`)
    .replace('{credentialId}', credentialId);
}

async function setUpTenant(api: ApiClient, tenant: string) {
  await createTenant(api, tenant);
  await setUpHostedProvider(api, tenant);
  await expectCreated(api.post(`/v1/tenants/${tenant}/dial-plans`, { id: 'dp.example.com', uriType: 'e164', voipSecurity: 'secured' }));
  await expectCreated(api.post(`/v1/tenants/${tenant}/rerouting`, { id: 'global' }));
  await expectCreated(api.post(`/v1/tenants/${tenant}/users`, { sipUri: `sip:alice@${tenant}.com`, hostedVoicemailPolicy: 'ExOnline' }));
  await expectCreated(api.post(`/v1/tenants/${tenant}/contacts`, { sipUri: `sip:sa@${tenant}.com` }));
}

const { api } = useTestService(async (api) => {
  await setUpTenant(api, 'contoso');
  await setUpTenant(api, 'fabrikam');
  tokens.operator = OPERATOR_TOKEN;
  for (const role of ROLES.filter((r) => r !== 'operator')) {
    const body = role === 'provider' ? { role, name: role, providerId: 'exo' } : { role, name: role };
    tokens[role] = (await expectCreated(api.post('/v1/tenants/contoso/credentials', body))).token;
  }
  const revoked = await expectCreated(api.post('/v1/tenants/contoso/credentials', { role: 'server-admin', name: 'revoked' }));
  revokedToken = revoked.token;
  credentialId = revoked.id;
  expect((await api.delete(`/v1/tenants/contoso/credentials/${revoked.id}`)).status).toBe(204);
  // A credential to address in the DELETE route (not revoked by the dry runs below).
  credentialId = (await expectCreated(api.post('/v1/tenants/contoso/credentials', { role: 'reader', name: 'target' }))).id;
});

const request = (token: string | null, method: string, path: string) =>
  api.call(method, method === 'GET' ? path : `${path}?dryRun=true`, { token, ...(method === 'GET' || method === 'DELETE' ? {} : { body: {} }) });

describe('authorization matrix', () => {
  const cells = apiRoutes.flatMap((route) => ROLES.map((role) => ({ route, role })));

  it.each(cells.map(({ route, role }) => [`${route.method} ${route.path}`, role, route] as const))(
    '%s as %s, own tenant',
    async (_name, role, route) => {
      const answer = await request(tokens[role], route.method, concretePath(route.path, 'contoso'));
      if (route.roles.includes(role)) {
        expect([401, 403, 404], JSON.stringify(answer.body)).not.toContain(answer.status);
      } else {
        expect(answer.status, JSON.stringify(answer.body)).toBe(403);
      }
    },
  );

  it.each(cells.filter(({ route }) => route.path.includes('{tenant}')).map(({ route, role }) => [`${route.method} ${route.path}`, role, route] as const))(
    '%s as %s of another tenant: 404',
    async (_name, role, route) => {
      if (role === 'operator') return; // operators act in every tenant
      const answer = await request(tokens[role], route.method, concretePath(route.path, 'fabrikam'));
      expect(answer.status, JSON.stringify(answer.body)).toBe(404);
    },
  );

  it.each(apiRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))('%s without, with revoked or malformed credentials: 401', async (_name, route) => {
    const path = concretePath(route.path, 'contoso');
    expect((await request(null, route.method, path)).status).toBe(401);
    expect((await request(revokedToken, route.method, path)).status).toBe(401);
    expect((await request('not a token', route.method, path)).status).toBe(401);
  });

  it('a foreign credential cannot tell existing objects from missing ones', async () => {
    const existing = await api.as(tokens.reader).get('/v1/tenants/fabrikam/users/sip:alice@fabrikam.com');
    const missing = await api.as(tokens.reader).get('/v1/tenants/fabrikam/users/sip:nobody@fabrikam.com');
    const noTenant = await api.as(tokens.reader).get('/v1/tenants/nosuchtenant/users/sip:nobody@fabrikam.com');
    const strip = (body: Record<string, unknown>) => ({ ...body, instance: undefined });
    expect(existing.status).toBe(404);
    expect(strip(existing.body)).toEqual(strip(missing.body));
    // A tenant that does not exist at all answers the same, but for the name it echoes.
    expect(JSON.stringify(strip(noTenant.body)).replaceAll('nosuchtenant', 'fabrikam')).toBe(JSON.stringify(strip(existing.body)));
  });

  it('operators can act in every tenant', async () => {
    expect((await api.get('/v1/tenants/fabrikam/users/sip:alice@fabrikam.com')).status).toBe(200);
  });
});
