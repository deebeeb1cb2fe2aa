// Bad input gets a 400-class problem that names the field, and nothing is written.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTenant, expectCreated } from '../support/fixtures.js';
import { useTestService, type Answer } from '../support/service.js';

const T = '/v1/tenants/contoso';
const context = useTestService(async (api) => {
  await createTenant(api, 'contoso');
  await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:alice@contoso.com' }));
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
  it('malformed JSON', () => expectBad(() => api.call('POST', `${T}/users`, { rawBody: '{"sipUri": ', headers: { 'content-type': 'application/json' } }), 400, 'body'));
  it('an empty body', () => expectBad(() => api.call('POST', `${T}/users`, { rawBody: '', headers: { 'content-type': 'application/json' } }), 400, 'body'));
  it('a body that is not JSON at all', () => expectBad(() => api.call('POST', `${T}/users`, { rawBody: 'sipUri=sip:x@contoso.com', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'Content-Type'));
  it('a JSON array instead of an object', () => expectBad(() => api.post(`${T}/users`, [{ sipUri: 'sip:x@contoso.com' }]), 400, 'body'));
  it('wrong types', () => expectBad(() => api.post(`${T}/users`, { sipUri: 'sip:x@contoso.com', enabled: 'yes' }), 400, 'enabled'));
  it('unknown fields', () => expectBad(() => api.post(`${T}/users`, { sipUri: 'sip:x@contoso.com', voicemail: true }), 400, 'voicemail'));
  it('unknown nested fields', () => expectBad(() => api.post(`${T}/users`, { sipUri: 'sip:x@contoso.com', onPremisesUm: { enabled: true, server: 'x' } }), 400, 'onPremisesUm.server'));
  it('an oversized body', () => expectBad(() => api.post(`${T}/users`, { sipUri: 'sip:x@contoso.com', displayName: 'x'.repeat(70_000) }), 413, 'body'));
  it('a huge string in a field', () => expectBad(() => api.post(`${T}/users`, { sipUri: `sip:${'a'.repeat(5000)}@contoso.com` }), 400, 'sipUri'));
  it('a SIP URI that is not one', () => expectBad(() => api.post(`${T}/users`, { sipUri: 'sip:alice' }), 400, 'sipUri'));
  it('a SIP URI with a unicode look-alike host', () => expectBad(() => api.post(`${T}/users`, { sipUri: 'sip:bob@cоntoso.com' }), 400, 'sipUri'));
  it('a line URI that is not E.164', () => expectBad(() => api.post(`${T}/users`, { sipUri: 'sip:x@contoso.com', lineUri: 'tel:4255550100' }), 400, 'lineUri'));
  it('a rerouting number that is not E.164', () => expectBad(() => api.post(`${T}/rerouting`, { id: 'global', autoAttendantNumber: '555-0100' }), 400, 'autoAttendantNumber'));
  it('a dial plan server port out of range', () => expectBad(() => api.post(`${T}/dial-plans`, { id: 'dp.contoso.com', uriType: 'e164', voipSecurity: 'secured', servers: [{ fqdn: 'um.contoso.com', port: 70000, exchangeVersion: 15 }] }), 400, 'servers.0.port'));
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
    const paths = [`${T}/users`, `${T}/contacts`, `${T}/hosting-providers`, `${T}/voicemail-policies`, `${T}/dial-plans`, `${T}/rerouting`, '/v1/tenants'];
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
