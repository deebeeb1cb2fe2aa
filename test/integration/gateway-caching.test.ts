// The gateway's caching contract (docs/gateways.md, "Caching contract"), through HTTP against
// DynamoDB Local: every resolve answer's Cache-Control (max-age = ttlSeconds, stale-if-error = the
// tenant's gateway setting), explained answers and problems no-store; the gateway settings
// (bounds, If-Match, roles); and GET /v1/voicemail-numbers (content, strong ETag, 304, roles).
// (What each costs in DynamoDB requests: resolve-cost.test.ts.)
import { describe, expect, it } from 'vitest';
import { expectDocumented } from '../support/documented.js';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { useTestService, type Answer, type ApiClient } from '../support/service.js';

const T = '/v1/tenants/contoso';
/** The configuration staleness bound of this service: contact and number answers say max-age=1. */
const CONFIG_CACHE_MS = 1_000;
let gateway: ApiClient;
let reader: ApiClient;
let tokens: Record<'server-admin' | 'user-admin' | 'reader' | 'provider', string>;

const context = useTestService(
  async (api) => {
    await createTenant(api, 'contoso');
    await setUpHostedProvider(api, 'contoso');
    await expectCreated(api.post(`${T}/dial-plans`, { id: 'dp.contoso.com', uriType: 'e164', voipSecurity: 'secured' }));
    await expectCreated(
      api.post(`${T}/users`, {
        sipUri: 'sip:alice@contoso.com',
        lineUri: 'tel:+14255550100',
        enterpriseVoiceEnabled: true,
        hostedVoicemailPolicy: 'ExOnline',
        hostedVoicemail: { admin: true },
      }),
    );
    await expectCreated(
      api.post(`${T}/contacts`, { sipUri: 'sip:sa@contoso.com', displayNumber: '+14255550199', hostedVoicemailPolicy: 'ExOnline' }),
    );
    await expectCreated(
      api.post(`${T}/contacts`, {
        sipUri: 'sip:aa@contoso.com',
        displayNumber: '+14255550150',
        kind: 'auto-attendant',
        site: 'Redmond',
        onPremisesDialPlan: 'dp.contoso.com',
      }),
    );
    // No display number: nothing a gateway could dial, so not listed.
    await expectCreated(api.post(`${T}/contacts`, { sipUri: 'sip:nonumber@contoso.com', hostedVoicemailPolicy: 'ExOnline' }));
    const token = async (role: string, extra: Record<string, unknown> = {}) =>
      (await expectCreated(api.post(`${T}/credentials`, { role, name: role, ...extra }))).token as string;
    gateway = api.as(await token('gateway'));
    tokens = {
      'server-admin': await token('server-admin'),
      'user-admin': await token('user-admin'),
      reader: await token('reader'),
      provider: await token('provider', { providerId: 'exo' }),
    };
    reader = api.as(tokens.reader);
  },
  { configCacheMs: CONFIG_CACHE_MS },
);
const { api } = context;

const resolve = (target: string) => gateway.post('/v1/resolve', { target });
const cacheControl = (answer: Answer) => answer.headers.get('cache-control');

/** Resolves until the answer's Cache-Control is `wanted`: a setting reaches the hot path within the configuration bound. */
async function untilCacheControl(target: string, wanted: string): Promise<Answer> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await resolve(target);
    expect(answer.status).toBe(200);
    if (cacheControl(answer) === wanted || Date.now() > deadline) {
      expect(cacheControl(answer)).toBe(wanted);
      return answer;
    }
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('Cache-Control of resolve answers, default stale-if-error (one day)', () => {
  it("a user's answer is never fresh (max-age=0) but may serve an outage for a day", async () => {
    const answer = await resolve('sip:alice@contoso.com;opaque=app:voicemail');
    // The body says the same, for gateways that see only the body (Kamailio 5.6's http_client).
    expect(answer.body).toMatchObject({ decision: 'hosted', ttlSeconds: 0, staleIfErrorSeconds: 86_400 });
    expect(cacheControl(answer)).toBe('max-age=0, stale-if-error=86400');
    // A user by line URI alike.
    expect(cacheControl(await resolve('tel:+14255550100'))).toBe('max-age=0, stale-if-error=86400');
  });

  it("a contact's answer (by number or address) is fresh for the configuration bound", async () => {
    for (const target of ['+14255550199', 'sip:sa@contoso.com']) {
      const answer = await resolve(target);
      expect(answer.body).toMatchObject({ decision: 'hosted', ttlSeconds: 1 });
      expect(cacheControl(answer)).toBe('max-age=1, stale-if-error=86400');
    }
  });

  it('a rejection that depends on the target and configuration only carries it too', async () => {
    const answer = await resolve('sip:nobody@contoso.com');
    expect(answer.body).toMatchObject({ decision: 'reject', sipStatus: 404, ttlSeconds: 1 });
    expect(cacheControl(answer)).toBe('max-age=1, stale-if-error=86400');
  });

  it('an explained answer is a diagnostic: no-store', async () => {
    const answer = await reader.post('/v1/resolve?explain=true', { target: '+14255550199' });
    expect(answer.status).toBe(200);
    expect(answer.body.explain.checks.length).toBeGreaterThan(0);
    expect(answer.body.staleIfErrorSeconds).toBe(0);
    expect(cacheControl(answer)).toBe('no-store');
  });

  it('a problem answer (4xx, 5xx) is no-store: a gateway keeps its last good answer instead', async () => {
    const bad = await resolve('not a target');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(cacheControl(bad)).toBe('no-store');
    const unauthenticated = await gateway.post('/v1/resolve', { target: '+14255550199' }, { token: 'exum_not_a_known_token_000000000000' });
    expect(unauthenticated.status).toBe(401);
    expect(cacheControl(unauthenticated)).toBe('no-store');
  });
});

describe('the gateway settings (a tenant singleton beside the edge)', () => {
  const path = `${T}/gateway-settings`;

  it('answers the defaults at version 0 until written, to every reader', async () => {
    for (const token of [tokens.reader, tokens['user-admin'], tokens['server-admin']]) {
      const answer = await api.get(path, { token });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ staleIfErrorSeconds: 86_400, version: 0, updatedAt: null });
      expect(answer.headers.get('etag')).toBe('"0"');
      expectDocumented('GET', '/v1/tenants/{tenant}/gateway-settings', answer);
    }
  });

  it.each([
    [604_801, 'max'],
    [-1, 'min'],
    [1.5, 'type'],
    ['3600', 'type'],
  ])('refuses staleIfErrorSeconds %j with 400 naming the field and the rule %s', async (value, rule) => {
    const answer = await api.put(path, { staleIfErrorSeconds: value }, { token: tokens['server-admin'] });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'staleIfErrorSeconds', rule })]);
  });

  it('is written by server admins only', async () => {
    for (const token of [tokens.reader, tokens['user-admin'], tokens.provider]) {
      expect((await api.put(path, { staleIfErrorSeconds: 60 }, { token })).status).toBe(403);
    }
    expect((await gateway.get(path)).status).toBe(403);
  });

  it('honours If-Match: "0" names the defaults, a stale version is 412', async () => {
    const admin = api.as(tokens['server-admin']);
    const stale = await admin.put(path, { staleIfErrorSeconds: 3_600 }, { headers: { 'if-match': '"7"' } });
    expect(stale.status).toBe(412);
    expect(stale.body.errors).toEqual([expect.objectContaining({ field: 'If-Match', rule: 'current-version' })]);
    const dryRun = await admin.put(`${path}?dryRun=true`, { staleIfErrorSeconds: 3_600 }, { headers: { 'if-match': '"0"' } });
    expect(dryRun.body).toMatchObject({ dryRun: true, changes: [{ action: 'create', type: 'gateway-settings', id: 'gateway-settings' }] });
    expect((await admin.get(path)).body.version).toBe(0);
    const written = await admin.put(path, { staleIfErrorSeconds: 3_600 }, { headers: { 'if-match': '"0"' } });
    expect(written.status).toBe(200);
    expect(written.body).toMatchObject({ staleIfErrorSeconds: 3_600, version: 1 });
    expect(written.headers.get('etag')).toBe('"1"');
    expectDocumented('PUT', '/v1/tenants/{tenant}/gateway-settings', written);
    expect((await admin.put(path, { staleIfErrorSeconds: 3_600 }, { headers: { 'if-match': '"0"' } })).status).toBe(412);
    expect((await admin.get(path)).body).toMatchObject({ staleIfErrorSeconds: 3_600, version: 1 });
  });

  it('reaches every resolve answer within the configuration bound, and 0 turns stale-if-error off', async () => {
    const admin = api.as(tokens['server-admin']);
    expect((await admin.put(`${T}/gateway-settings`, { staleIfErrorSeconds: 7_200 })).status).toBe(200);
    await untilCacheControl('+14255550199', 'max-age=1, stale-if-error=7200');
    expect(cacheControl(await resolve('sip:alice@contoso.com'))).toBe('max-age=0, stale-if-error=7200');

    expect((await admin.put(`${T}/gateway-settings`, { staleIfErrorSeconds: 0 })).status).toBe(200);
    await untilCacheControl('+14255550199', 'max-age=1');
    const off = await resolve('sip:alice@contoso.com');
    expect(cacheControl(off)).toBe('max-age=0');
    expect(off.body.staleIfErrorSeconds).toBe(0);
    // The upper bound itself is allowed.
    expect((await admin.put(`${T}/gateway-settings`, { staleIfErrorSeconds: 604_800 })).body.staleIfErrorSeconds).toBe(604_800);
  });
});

describe('GET /v1/voicemail-numbers', () => {
  const numbers = (client: ApiClient = gateway, headers: Record<string, string> = {}) => client.get('/v1/voicemail-numbers', { headers });

  it("lists the tenant's Subscriber Access and Auto Attendant numbers, with a strong ETag and the configuration bound", async () => {
    const answer = await numbers();
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      numbers: [
        { number: '+14255550150', kind: 'auto-attendant', sipUri: 'sip:aa@contoso.com', dialPlan: 'dp.contoso.com', site: 'Redmond' },
        { number: '+14255550199', kind: 'subscriber-access', sipUri: 'sip:sa@contoso.com' },
      ],
      // The ETag header again, for gateways that see only the body.
      etag: answer.headers.get('etag'),
    });
    expectDocumented('GET', '/v1/voicemail-numbers', answer);
    expect(answer.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(cacheControl(answer)).toBe('max-age=1');
    // The same list, the same tag.
    expect((await numbers()).headers.get('etag')).toBe(answer.headers.get('etag'));
  });

  it('answers If-None-Match with the current tag 304 with no body, through the local API Gateway stand-in', async () => {
    const etag = (await numbers()).headers.get('etag')!;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const answer = await numbers(gateway, { 'if-none-match': ifNoneMatch });
      expect(answer.status, ifNoneMatch).toBe(304);
      expect(answer.body).toBeUndefined();
      expect(answer.headers.get('etag')).toBe(etag);
      expect(cacheControl(answer)).toBe('max-age=1');
    }
    expect((await numbers(gateway, { 'if-none-match': '"other"' })).status).toBe(200);
  });

  it('changes its ETag when a contact is added, and an old tag gets the new list', async () => {
    const before = await numbers();
    const oldTag = before.headers.get('etag')!;
    await expectCreated(
      api.post(`${T}/contacts`, { sipUri: 'sip:sa2@contoso.com', displayNumber: '+14255550177', hostedVoicemailPolicy: 'ExOnline' }),
    );
    const after = await numbers(gateway, { 'if-none-match': oldTag });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(oldTag);
    expect(after.body.numbers.map((entry: { number: string }) => entry.number)).toEqual(['+14255550150', '+14255550177', '+14255550199']);
    expect((await numbers(gateway, { 'if-none-match': after.headers.get('etag')! })).status).toBe(304);
  });

  it("may be read by the tenant's gateways, readers and admins; operators (no tenant) and providers may not", async () => {
    for (const role of ['reader', 'user-admin', 'server-admin'] as const) expect((await numbers(api.as(tokens[role]))).status).toBe(200);
    expect((await numbers(api.as(tokens.provider))).status).toBe(403);
    const operator = await numbers(api);
    expect(operator.status).toBe(403);
    expect(cacheControl(operator)).toBe('no-store');
  });
});
