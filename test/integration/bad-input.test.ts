// Bad input gets a 400-class problem that names the field, and nothing is written.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTenant, expectCreated } from '../support/fixtures.js';
import { sendRaw } from '../support/raw-http.js';
import { useTestService, type Answer } from '../support/service.js';

const T = '/v1/tenants/contoso';
let userAdminToken: string;
const context = useTestService(async (api) => {
  await createTenant(api, 'contoso');
  await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:alice@contoso.com' }));
  await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:bob@contoso.com' }));
  userAdminToken = (await expectCreated(api.post(`${T}/credentials`, { role: 'user-admin', name: 'user admin' }))).token;
});
const { api } = context;

async function expectBad(call: () => Promise<Answer>, status: number, field: string): Promise<void> {
  const before = await context.service.snapshot();
  const answer = await call();
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/problem+json');
  expect(answer.body.errors.map((issue: { field: string }) => issue.field)).toContain(field);
  expect(await context.service.snapshot()).toBe(before);
}

describe('bad input', () => {
  it('malformed JSON', () =>
    expectBad(
      () => api.call('POST', `${T}/users`, { rawBody: '{"sipUri": ', headers: { 'content-type': 'application/json' } }),
      400,
      'body',
    ));
  it('an empty body', () =>
    expectBad(() => api.call('POST', `${T}/users`, { rawBody: '', headers: { 'content-type': 'application/json' } }), 400, 'body'));
  it('a body that is not JSON at all', () =>
    expectBad(
      () =>
        api.call('POST', `${T}/users`, {
          rawBody: 'sipUri=sip:x@contoso.com',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
      415,
      'Content-Type',
    ));
  it('a JSON array instead of an object', () => expectBad(() => api.post(`${T}/users`, [{ sipUri: 'sip:x@contoso.com' }]), 400, 'body'));
  it('wrong types', () => expectBad(() => api.post(`${T}/users`, { sipUri: 'sip:x@contoso.com', enabled: 'yes' }), 400, 'enabled'));
  it('unknown fields', () => expectBad(() => api.post(`${T}/users`, { sipUri: 'sip:x@contoso.com', voicemail: true }), 400, 'voicemail'));
  it('unknown nested fields', () =>
    expectBad(
      () => api.post(`${T}/users`, { sipUri: 'sip:x@contoso.com', onPremisesUm: { enabled: true, server: 'x' } }),
      400,
      'onPremisesUm.server',
    ));
  it('an oversized body', () =>
    expectBad(() => api.post(`${T}/users`, { sipUri: 'sip:x@contoso.com', displayName: 'x'.repeat(70_000) }), 413, 'body'));
  it('a huge string in a field', () =>
    expectBad(() => api.post(`${T}/users`, { sipUri: `sip:${'a'.repeat(5000)}@contoso.com` }), 400, 'sipUri'));
  it('a SIP URI that is not one', () => expectBad(() => api.post(`${T}/users`, { sipUri: 'sip:alice' }), 400, 'sipUri'));
  it('a SIP URI with a unicode look-alike host', () =>
    expectBad(() => api.post(`${T}/users`, { sipUri: 'sip:bob@cоntoso.com' }), 400, 'sipUri'));
  it('a line URI that is not E.164', () =>
    expectBad(() => api.post(`${T}/users`, { sipUri: 'sip:x@contoso.com', lineUri: 'tel:4255550100' }), 400, 'lineUri'));
  it('a rerouting number that is not E.164', () =>
    expectBad(() => api.post(`${T}/rerouting`, { id: 'global', autoAttendantNumber: '555-0100' }), 400, 'autoAttendantNumber'));
  it('a dial plan server port out of range', () =>
    expectBad(
      () =>
        api.post(`${T}/dial-plans`, {
          id: 'dp.contoso.com',
          uriType: 'e164',
          voipSecurity: 'secured',
          servers: [{ fqdn: 'um.contoso.com', port: 70000, exchangeVersion: 15 }],
        }),
      400,
      'servers.0.port',
    ));
  it('an invalid policy id', () => expectBad(() => api.post(`${T}/voicemail-policies`, { id: 'user:alice' }), 400, 'id'));
  it('an invalid SIP address in the path', () => expectBad(() => api.get(`${T}/users/alice@contoso.com`), 400, 'path.sipUri'));
  it('an unknown query parameter', () => expectBad(() => api.get(`${T}/users?colour=blue`), 400, 'query.colour'));
  it('a query boolean that is not true or false', () => expectBad(() => api.get(`${T}/users?enabled=1`), 400, 'query.enabled'));
  it('malformed percent-encoding in the path', () => expectBad(() => api.get(`${T}/users/sip:%E0%A4%A@contoso.com`), 400, 'path'));
  it('an unknown route', async () => {
    const answer = await api.get('/v1/nothing-here');
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('route-not-found');
  });
  it('a method the route does not have', async () => {
    const answer = await api.call('PUT', `${T}/users`, { body: {} });
    expect(answer.status).toBe(405);
  });

  it('never answers 5xx to any JSON body on any write, and never writes a refused one', async () => {
    const before = await context.service.snapshot();
    const paths = [
      `${T}/users`,
      `${T}/contacts`,
      `${T}/hosting-providers`,
      `${T}/voicemail-policies`,
      `${T}/dial-plans`,
      `${T}/rerouting`,
      '/v1/tenants',
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 4 }), async (path, body) => {
        const answer = await api.post(path, body);
        expect(answer.status).toBeLessThan(500);
        if (answer.status >= 400) expect(answer.headers.get('content-type')).toBe('application/problem+json');
        return answer.status >= 400;
      }),
      { numRuns: 150 },
    );
    // Random bodies are refused (they lack required fields); the table is unchanged.
    expect(await context.service.snapshot()).toBe(before);
  });
});

// Found by the fuzz suite (test/integration/fuzz.test.ts); each was a 500 or a request left unanswered.
describe('bad input the fuzz suite found', () => {
  const deepEventText = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
  const deepEvent = (levels: number) => JSON.parse(deepEventText(levels)) as Record<string, unknown>;
  const provisioningDeadLetters = async () =>
    (await api.get(`${T}/dead-letters`)).body.items.filter((letter: { kind: string }) => letter.kind === 'provisioning-event');

  it('malformed percent-encoding in the tenant, with a tenant credential', () =>
    expectBad(() => api.as(userAdminToken).get('/v1/tenants/%E0%A4%A/users'), 400, 'path'));

  it('a request target that is no URL', async () => {
    const before = await context.service.snapshot();
    const answer = await sendRaw(context.service.url, {
      method: 'GET',
      target: `//[${T}/users`,
      headers: [['Authorization', `Bearer ${userAdminToken}`]],
    });
    expect(answer?.status, answer?.text).toBe(400);
    expect(answer?.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(answer?.text ?? '{}').errors).toEqual([expect.objectContaining({ field: 'path', rule: 'request-target' })]);
    expect(await context.service.snapshot()).toBe(before);
  });

  it('a cursor with a key attribute taken out', async () => {
    const first = await api.get(`${T}/users?limit=1`);
    const issued = JSON.parse(Buffer.from(first.body.nextCursor, 'base64url').toString('utf8')) as Record<string, string>;
    for (const attribute of ['sk', 'gsi1sk']) {
      const rest = Object.fromEntries(Object.entries(issued).filter(([name]) => name !== attribute));
      await expectBad(() => api.get(`${T}/users?cursor=${Buffer.from(JSON.stringify(rest)).toString('base64url')}`), 400, 'cursor');
    }
  });

  it('an audit range that ends before it starts is empty', async () => {
    for (const [from, to] of [
      ['2026-02-01T00:00:00Z', '2026-01-01T00:00:00Z'],
      ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000Z'],
    ]) {
      const answer = await api.get(`${T}/audit?from=${from}&to=${to}`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toEqual({ items: [], nextCursor: null });
    }
  });

  it('a body that is not UTF-8', async () => {
    const before = await context.service.snapshot();
    const body = Buffer.concat([
      Buffer.from('{"sipUri":"sip:bytes@contoso.com","displayName":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}'),
    ]);
    const answer = await sendRaw(context.service.url, {
      method: 'POST',
      target: `${T}/users`,
      headers: [
        ['Authorization', `Bearer ${userAdminToken}`],
        ['Content-Type', 'application/json'],
      ],
      body,
    });
    expect(answer?.status, answer?.text).toBe(400);
    expect(JSON.parse(answer?.text ?? '{}').errors).toEqual([expect.objectContaining({ field: 'body', rule: 'utf-8' })]);
    expect(await context.service.snapshot()).toBe(before);
  });

  it('a lone UTF-16 surrogate, escaped in JSON (UTF-8 and DynamoDB cannot hold it); a surrogate pair is fine', async () => {
    const lone = await api.call('POST', `${T}/users`, {
      rawBody: '{"sipUri":"sip:lone@contoso.com","displayName":"x\\ud800y"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(lone.status, JSON.stringify(lone.body)).toBe(400);
    expect(lone.body.errors).toEqual([expect.objectContaining({ field: 'body', rule: 'unicode' })]);
    const inName = await api.call('POST', `${T}/users`, {
      rawBody: '{"sipUri":"sip:lone@contoso.com","\\udc00":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(inName.body.errors[0].rule).toBe('unicode');
    const pair = await api.call('POST', `${T}/users`, {
      rawBody: '{"sipUri":"sip:emoji@contoso.com","displayName":"\\ud83d\\ude00"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(pair.status, JSON.stringify(pair.body)).toBe(201);
    expect(pair.body.displayName).toBe('😀');
  });

  it('audit times written to different precision name the same instant', async () => {
    const answer = await api.get(`${T}/audit?from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00.000Z`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  });

  it('a provisioning event nested 10,000 levels deep', () =>
    expectBad(
      () =>
        api.call('POST', `${T}/provisioning-events`, {
          rawBody: `{"events":[${deepEventText(10_000)}]}`,
          headers: { 'content-type': 'application/json' },
        }),
      400,
      'events.0',
    ));

  it('provisioning events DynamoDB cannot hold as they are are dead-lettered as their text', async () => {
    const unstorable = [{ tiny: -8.2e-260 }, { huge: 1e308 }, { '': 'empty name' }, deepEvent(32)];
    const answer = await api.post(`${T}/provisioning-events`, { events: [...unstorable, deepEvent(31)] });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.results.map((result: { outcome: string }) => result.outcome)).toEqual(Array(5).fill('dead-lettered'));
    const kept = (await provisioningDeadLetters()).map((letter: { event: unknown }) => letter.event);
    expect(kept).toEqual(expect.arrayContaining([...unstorable.map((event) => JSON.stringify(event)), deepEvent(31)]));
  });
});
