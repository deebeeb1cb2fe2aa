// The authorization matrix, generated from the route table: every route × every role × own
// tenant / other tenant, and every route × no / revoked / malformed / other tenant's revoked
// credential. The outcome of each cell is written once, in `expectedOutcome`; writes run as dry
// runs. A foreign credential learns nothing: for every route, an object of another tenant that
// exists and one that does not get the same answer. The public routes (the health checks) are
// listed here by name: a route is public on purpose or not at all, and answers every credential alike.
import { describe, expect, it } from 'vitest';
import { apiRoutes, publicRoutes } from '../../lib/api/api-routes.js';
import type { AnyRoute, PublicRoute } from '../../lib/api/route.js';
import { ROLES, type Role } from '../../lib/domain/credential.js';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { OPERATOR_TOKEN, useTestService, type ApiClient } from '../support/service.js';

type Credential = Role | 'none' | 'revoked' | 'malformed';
type Tenant = 'own' | 'other';
/** `passes`: authorization lets the request through (what follows is the route's own answer). */
type Outcome = 'passes' | 401 | 403 | 404;

/**
 * The matrix, written once. Authentication first (401), then tenant isolation (404: another
 * tenant's path looks like a missing one, to every role but the operator, who acts in every
 * tenant), then the route's roles (403).
 */
function expectedOutcome(route: AnyRoute, credential: Credential, tenant: Tenant): Outcome {
  if (credential === 'none' || credential === 'revoked' || credential === 'malformed') return 401;
  if (tenant === 'other' && route.path.includes('{tenant}') && credential !== 'operator') return 404;
  return route.roles.includes(credential) ? 'passes' : 403;
}

const tokens = {} as Record<Credential, string | null>;
let credentialIds: Record<Tenant, string>;
/** An operator credential beside the test's own, so that revoking it (dry run) is not refused as the last one. */
let operatorCredentialId: string;

/** Objects that exist in both tenants, by the path parameter that names them. */
function concretePath(template: string, tenant: string, existing = true): string {
  const id = template.includes('dead-letters')
    ? (deadLetterIds[tenant] ?? 'unused')
    : template.includes('hosting-providers')
      ? 'exo'
      : template.includes('voicemail-policies')
        ? 'tag:ExOnline'
        : template.includes('dial-plans')
          ? 'dp.example.com'
          : template.includes('rerouting')
            ? 'global'
            : 'unused';
  const sipUri = template.includes('contacts') ? `sip:sa@${tenant}.com` : `sip:alice@${tenant}.com`;
  return template
    .replace('{tenant}', tenant)
    .replace(
      '{id}',
      existing
        ? id
        : id === 'tag:ExOnline'
          ? 'tag:Missing'
          : id === 'global'
            ? 'site:Missing'
            : `missing.${id}`.replace('missing.exo', 'missing'),
    )
    .replace('{sipUri}', existing ? sipUri : sipUri.replace(/:(alice|sa)@/, ':nobody@'))
    .replace(
      '{credentialId}',
      !existing
        ? 'cred_missing000000'
        : template.startsWith('/v1/operator-credentials')
          ? operatorCredentialId
          : credentialIds[tenant === 'contoso' ? 'own' : 'other'],
    )
    .replace('{migrationId}', existing ? (migrationIds[tenant] ?? 'mig_missing') : 'mig_missing000000')
    .replace('{domain}', existing ? `${tenant}.com` : 'missing.example');
}

const migrationIds: Record<string, string> = {};
const deadLetterIds: Record<string, string> = {};

async function setUpTenant(api: ApiClient, tenant: string) {
  await createTenant(api, tenant);
  await setUpHostedProvider(api, tenant);
  await expectCreated(api.post(`/v1/tenants/${tenant}/dial-plans`, { id: 'dp.example.com', uriType: 'e164', voipSecurity: 'secured' }));
  await expectCreated(api.post(`/v1/tenants/${tenant}/rerouting`, { id: 'global' }));
  await expectCreated(api.post(`/v1/tenants/${tenant}/users`, { sipUri: `sip:alice@${tenant}.com`, hostedVoicemailPolicy: 'ExOnline' }));
  await expectCreated(api.post(`/v1/tenants/${tenant}/users`, { sipUri: `sip:bob@${tenant}.com` }));
  await expectCreated(api.post(`/v1/tenants/${tenant}/contacts`, { sipUri: `sip:sa@${tenant}.com` }));
  migrationIds[tenant] = (
    await expectCreated(
      api.post(`/v1/tenants/${tenant}/migrations`, { users: [`sip:bob@${tenant}.com`], providerId: 'exo', grantPolicy: 'ExOnline' }),
    )
  ).id;
  // A provisioning event of a type nobody knows: dead-lettered, so each tenant has one to read, replay and discard.
  await expectCreated(
    api.post(`/v1/tenants/${tenant}/provisioning-events`, {
      events: [{ id: 'unknown-type', 'detail-type': 'user.renamed', source: 'hr', detail: { schemaVersion: '1', tenantId: tenant } }],
    }),
  );
  deadLetterIds[tenant] = (await api.get(`/v1/tenants/${tenant}/dead-letters`)).body.items[0].id;
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
  expect((await api.delete(`/v1/tenants/contoso/credentials/${revoked.id}`)).status).toBe(204);
  tokens.revoked = revoked.token;
  tokens.malformed = 'not a token';
  tokens.none = null;
  // Credentials to address in the DELETE route (not revoked by the dry runs below).
  credentialIds = {
    own: (await expectCreated(api.post('/v1/tenants/contoso/credentials', { role: 'reader', name: 'target' }))).id,
    other: (await expectCreated(api.post('/v1/tenants/fabrikam/credentials', { role: 'reader', name: 'target' }))).id,
  };
  operatorCredentialId = (await expectCreated(api.post('/v1/operator-credentials', { name: 'target' }))).id;
});

const request = (credential: Credential, method: string, path: string) =>
  api.call(method, method === 'GET' ? path : `${path}?dryRun=true`, {
    token: tokens[credential],
    ...(method === 'GET' || method === 'DELETE' ? {} : { body: {} }),
  });

const check = async (route: AnyRoute, credential: Credential, tenant: Tenant) => {
  const answer = await request(credential, route.method, concretePath(route.path, tenant === 'own' ? 'contoso' : 'fabrikam'));
  const expected = expectedOutcome(route, credential, tenant);
  if (expected === 'passes') expect([401, 403, 404], JSON.stringify(answer.body)).not.toContain(answer.status);
  else expect(answer.status, JSON.stringify(answer.body)).toBe(expected);
};

const name = (route: AnyRoute) => `${route.method} ${route.path}`;

describe('authorization matrix', () => {
  it.each(apiRoutes.flatMap((route) => ROLES.map((role) => [name(route), role, route] as const)))(
    '%s as %s, own tenant',
    async (_name, role, route) => {
      await check(route, role, 'own');
    },
  );

  it.each(
    apiRoutes
      .filter((route) => route.path.includes('{tenant}'))
      .flatMap((route) => ROLES.map((role) => [name(route), role, route] as const)),
  )('%s as %s of another tenant', async (_name, role, route) => {
    await check(route, role, 'other');
  });

  it.each(
    apiRoutes.flatMap((route) =>
      (['none', 'revoked', 'malformed'] as const).map((credential) => [name(route), credential, route] as const),
    ),
  )('%s with %s credential', async (_name, credential, route) => {
    await check(route, credential, 'own');
  });
});

describe('a dry run checks the role before it plans, as the write does', () => {
  const takesDryRun = (route: AnyRoute) => {
    const shape = (route.query as { shape?: Record<string, unknown> }).shape;
    return route.method !== 'GET' && shape !== undefined && 'dryRun' in shape;
  };
  const dryRunRoutes = apiRoutes.filter(takesDryRun);

  it('is offered by the writes of every group', () => {
    const paths = dryRunRoutes.map(name);
    for (const expected of [
      'PATCH /v1/tenants/{tenant}/users/{sipUri}',
      'POST /v1/tenants/{tenant}/users/batch',
      'POST /v1/tenants/{tenant}/voicemail-policies',
      'PUT /v1/tenants/{tenant}/edge',
      'POST /v1/tenants/{tenant}/credentials',
    ])
      expect(paths).toContain(expected);
  });

  it.each(
    dryRunRoutes.flatMap((route) => ROLES.filter((role) => !route.roles.includes(role)).map((role) => [name(route), role, route] as const)),
  )('%s?dryRun=true as %s: 403 naming the operation and the roles allowed, whatever the body', async (_name, role, route) => {
    const answer = await api.call(route.method, `${concretePath(route.path, 'contoso')}?dryRun=true`, {
      token: tokens[role],
      ...(route.method === 'DELETE' ? {} : { body: { notAField: true } }),
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(403);
    expect(answer.body.detail).toBe(`the ${role} role may not ${route.method} ${route.path}`);
    expect(answer.body.errors).toEqual([{ field: 'Authorization', rule: 'role', message: `allowed roles: ${route.roles.join(', ')}` }]);
  });
});

describe('a foreign credential learns nothing', () => {
  const strip = (body: Record<string, unknown> | undefined) => JSON.stringify({ ...body, instance: undefined });

  it.each(
    apiRoutes
      .filter((route) => route.path.includes('{tenant}'))
      .flatMap((route) => (['reader', 'user-admin', 'provider'] as const).map((role) => [name(route), role, route] as const)),
  )('%s as %s: an object of another tenant that exists answers as one that does not', async (_name, role, route) => {
    const existing = await request(role, route.method, concretePath(route.path, 'fabrikam', true));
    const missing = await request(role, route.method, concretePath(route.path, 'fabrikam', false));
    const noTenant = await request(role, route.method, concretePath(route.path, 'nosuchtenant', false));
    expect(existing.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(strip(existing.body).replaceAll('fabrikam', 'T')).toBe(strip(missing.body).replaceAll('fabrikam', 'T'));
    // A tenant that does not exist at all answers the same, but for the name it echoes.
    expect(strip(noTenant.body).replaceAll('nosuchtenant', 'T')).toBe(strip(existing.body).replaceAll('fabrikam', 'T'));
  });

  it('operators act in every tenant', async () => {
    expect((await api.get('/v1/tenants/fabrikam/users/sip:alice@fabrikam.com')).status).toBe(200);
  });
});

describe('public routes', () => {
  it('are exactly the health checks: a new public route is added here, on purpose, or it is not public', () => {
    expect(publicRoutes.map((route) => `${route.method} ${route.path}`)).toEqual(['GET /healthz', 'GET /readyz']);
    expect(publicRoutes.every((route) => route.access === 'public')).toBe(true);
    // None is also a route behind the authorizer.
    expect(apiRoutes.filter((route) => publicRoutes.some((open) => open.path === route.path))).toEqual([]);
  });

  const publicName = (route: PublicRoute) => `${route.method} ${route.path}`;
  it.each(
    publicRoutes.flatMap((route) =>
      [...ROLES, 'none', 'revoked', 'malformed'].map((credential) => [publicName(route), credential as Credential, route] as const),
    ),
  )('%s with %s credential answers 200, as with none', async (_name, credential, route) => {
    const answer = await request(credential, route.method, route.path);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toEqual((await request('none', route.method, route.path)).body);
  });
});
