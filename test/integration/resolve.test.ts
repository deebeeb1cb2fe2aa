// POST /v1/resolve through HTTP against DynamoDB Local: the gateway contract, one read per
// resolution, the caches' bounds, and bad targets.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { useTestService, type ApiClient } from '../support/service.js';

const T = '/v1/tenants/contoso';
let gateway: ApiClient;
let readerToken: string;

const context = useTestService(async (api) => {
  await createTenant(api, 'contoso');
  await createTenant(api, 'fabrikam');
  await setUpHostedProvider(api, 'contoso');
  await expectCreated(
    api.post(`${T}/dial-plans`, {
      id: 'dp.contoso.com',
      uriType: 'sip-name',
      voipSecurity: 'secured',
      servers: [
        { fqdn: 'um01.contoso.local', exchangeVersion: 15 },
        { fqdn: 'um02.contoso.local', exchangeVersion: 15 },
        { fqdn: 'um-old.contoso.local', exchangeVersion: 14 },
      ],
    }),
  );
  await expectCreated(
    api.post(`${T}/rerouting`, {
      id: 'global',
      enabled: true,
      autoAttendantNumber: '+14255550000',
      subscriberAccessNumber: '+14255550001',
    }),
  );
  await expectCreated(
    api.post(`${T}/users`, {
      sipUri: 'sip:alice@contoso.com',
      lineUri: 'tel:+14255550100',
      enterpriseVoiceEnabled: true,
      onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' },
      hostedVoicemailPolicy: 'ExOnline',
    }),
  );
  await expectCreated(
    api.post(`${T}/users`, {
      sipUri: 'sip:bob@contoso.com',
      lineUri: 'tel:+14255550101;ext=101',
      enterpriseVoiceEnabled: true,
      hostedVoicemailPolicy: 'ExOnline',
      hostedVoicemail: { admin: true },
    }),
  );
  await expectCreated(
    api.post(`${T}/contacts`, { sipUri: 'sip:sa@contoso.com', displayNumber: '+14255550199', hostedVoicemailPolicy: 'ExOnline' }),
  );
  gateway = api.as((await expectCreated(api.post(`${T}/credentials`, { role: 'gateway', name: 'gw' }))).token);
  readerToken = (await expectCreated(api.post(`${T}/credentials`, { role: 'reader', name: 'diag' }))).token;
});
const { api } = context;

const resolve = (body: unknown, query = '') => gateway.post(`/v1/resolve${query}`, body);

describe('the contract', () => {
  it('routes an on-premises user to a UM server, with the others and the rerouting number as alternates', async () => {
    const answer = await resolve({ target: 'sip:alice@contoso.com;opaque=app:voicemail', callId: 'a84b4c76e66710@gw1' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.body).toMatchObject({
      decision: 'on-premises',
      requestUri: 'sip:alice@contoso.com;opaque=app:voicemail',
      headers: {},
      diagnostic: { code: 15000 },
      dialPlanLabel: 'dp.contoso.com',
      ttlSeconds: 0,
    });
    expect(answer.body.nextHop).toMatch(/^sip:um0[12]\.contoso\.local:5061;transport=tls$/);
    expect(answer.body.alternates).toHaveLength(2);
    expect(answer.body.alternates[1]).toEqual({ nextHop: null, requestUri: 'tel:+14255550000', headers: {} });
    expect(answer.body.explain).toBeUndefined();
    expect(answer.body).not.toHaveProperty('sipStatus');
  });

  it('routes a hosted user through the edge to the provider, by SIP address or by number', async () => {
    for (const target of ['sip:bob@contoso.com', 'tel:+14255550101;ext=101', 'sip:+1-425-555-0101;ext=101@contoso.com;user=phone']) {
      const answer = await resolve({ target });
      expect(answer.body, target).toMatchObject({
        decision: 'hosted',
        nextHop: 'sip:exap.um.outlook.com:5061;transport=tls',
        requestUri: 'sip:bob@contoso.com;opaque=app:voicemail',
        headers: { 'Ms-Exum-Destination': 'exap.um.outlook.com', 'Ms-Exum-Organization': 'contoso.onmicrosoft.com' },
        diagnostic: { code: 15001 },
      });
    }
    // The extension is part of the number.
    expect((await resolve({ target: 'tel:+14255550101' })).body).toMatchObject({
      decision: 'reject',
      sipStatus: 404,
      diagnostic: { code: 15012 },
    });
  });

  it('routes a Subscriber Access contact by its display number', async () => {
    const answer = await resolve({ target: '+14255550199', reason: 'subscriber-access' });
    expect(answer.body).toMatchObject({ decision: 'hosted', requestUri: 'sip:sa@contoso.com', ttlSeconds: 0 });
    expect(answer.body.alternates).toEqual([{ nextHop: null, requestUri: 'tel:+14255550001', headers: {} }]);
  });

  it('answers a rejection as 200 with the SIP status to relay', async () => {
    const answer = await resolve({ target: 'sip:nobody@contoso.com' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      decision: 'reject',
      sipStatus: 404,
      reasonPhrase: 'Not Found',
      diagnostic: { code: 15010 },
      alternates: [],
    });
    expect(answer.body).not.toHaveProperty('nextHop');
  });

  it('refuses as unknown a target in another tenant’s domain, even when it exists there', async () => {
    await expectCreated(api.post('/v1/tenants/fabrikam/users', { sipUri: 'sip:carol@fabrikam.com', enterpriseVoiceEnabled: true }));
    const answer = await resolve({ target: 'sip:carol@fabrikam.com' });
    expect(answer.body).toMatchObject({ decision: 'reject', sipStatus: 404, diagnostic: { code: 15011 } });
  });

  it('explains its checks on request, also to readers, who may not resolve otherwise', async () => {
    const explained = await resolve({ target: 'sip:alice@contoso.com' }, '?explain=true');
    expect(explained.body.explain.checks.map((check: { step: string }) => check.step)).toEqual([
      'find object',
      'usable',
      'hosted or on-premises',
      'on-premises UM',
      'rerouting',
      'decision',
    ]);
    const reader = api.as(readerToken);
    expect((await reader.post('/v1/resolve?explain=true', { target: 'sip:alice@contoso.com' })).status).toBe(200);
    const plain = await reader.post('/v1/resolve', { target: 'sip:alice@contoso.com' });
    expect(plain.status).toBe(403);
    expect(plain.body.errors[0].field).toBe('explain');
    expect((await api.post('/v1/resolve?explain=true', { target: 'sip:alice@contoso.com' })).status).toBe(403);
  });
});

describe('routing follows the user at once', () => {
  it('flips on the next call when the provider says the mailbox is ready', async () => {
    expect((await resolve({ target: 'sip:alice@contoso.com' })).body.decision).toBe('on-premises');
    const providerToken = (await expectCreated(api.post(`${T}/credentials`, { role: 'provider', name: 'exo', providerId: 'exo' }))).token;
    expect((await api.as(providerToken).put(`${T}/users/sip:alice@contoso.com/hosted-voicemail/provider`, { value: true })).status).toBe(
      200,
    );
    expect((await resolve({ target: 'sip:alice@contoso.com' })).body.decision).toBe('hosted');
    expect((await resolve({ target: 'tel:+14255550100' })).body.decision).toBe('hosted');
    await api.as(providerToken).put(`${T}/users/sip:alice@contoso.com/hosted-voicemail/provider`, { value: null });
    expect((await resolve({ target: 'tel:+14255550100' })).body.decision).toBe('on-premises');
  });
});

describe('bad targets', () => {
  it.each([
    [{ target: 'alice@contoso.com' }, 'target'],
    [{ target: 'sip:alice@cоntoso.com' }, 'target'],
    [{ target: 'x'.repeat(10_000) }, 'target'],
    [{ target: 'tel:14255550100' }, 'target'],
    [{ target: 42 }, 'target'],
    [{}, 'target'],
    [{ target: 'sip:alice@contoso.com', reason: 'fax' }, 'reason'],
    [{ target: 'sip:alice@contoso.com', tenant: 'fabrikam' }, 'tenant'],
  ])('%o: 400 naming %s', async (body, field) => {
    const answer = await resolve(body);
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((issue: { field: string }) => issue.field)).toContain(field);
  });

  it('answers an IPv6 host with a reject, not an error', async () => {
    expect((await resolve({ target: 'sip:alice@[2001:db8::1]:5061' })).body).toMatchObject({
      decision: 'reject',
      diagnostic: { code: 15011 },
    });
  });

  it('never answers 5xx, whatever the target (property)', async () => {
    const targets = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ maxLength: 60, unit: fc.constantFrom(...'sip:tel+@;=.-_%[]()aZ09?&~'.split('')) }),
      fc.constantFrom('sip:', 'sips:', 'tel:', '+').chain((scheme) => fc.string({ maxLength: 60 }).map((rest) => scheme + rest)),
    );
    await fc.assert(
      fc.asyncProperty(targets, fc.constantFrom('voicemail', 'subscriber-access', 'auto-attendant'), async (target, reason) => {
        const answer = await resolve({ target, reason });
        expect([200, 400]).toContain(answer.status);
        if (answer.status === 200) expect(answer.body.diagnostic.code).toBeGreaterThanOrEqual(15000);
      }),
      { numRuns: 200 },
    );
  });
});
