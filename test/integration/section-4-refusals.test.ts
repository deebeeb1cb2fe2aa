// Every write that section 4 of the domain reference refuses: each names the field and the
// rule, and changes nothing in the table.
import { describe, expect, it } from 'vitest';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { useTestService, type Answer } from '../support/service.js';

const T = '/v1/tenants/contoso';
const context = useTestService(async (api) => {
  await createTenant(api, 'contoso');
  await setUpHostedProvider(api, 'contoso');
  await expectCreated(
    api.post(`${T}/users`, { sipUri: 'sip:alice@contoso.com', lineUri: 'tel:+14255550100', enterpriseVoiceEnabled: true }),
  );
  await expectCreated(api.post(`${T}/contacts`, { sipUri: 'sip:sa@contoso.com', displayNumber: '+14255550199' }));
});
const { api } = context;

/** Runs a write that must be refused, and checks the status, field, rule and that nothing changed. */
async function expectRefused(write: () => Promise<Answer>, status: number, field: string, rule: string): Promise<Answer> {
  const before = await context.service.snapshot();
  const answer = await write();
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/problem+json');
  expect(answer.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule })]));
  expect(await context.service.snapshot()).toBe(before);
  return answer;
}

describe('section 4: writes that must be refused', () => {
  it('a SIP address already used by a user (user → user)', () =>
    expectRefused(
      () => api.post(`${T}/users`, { sipUri: 'sip:alice@CONTOSO.com' }),
      409,
      'sipUri',
      'unique-sip-address-across-users-and-contacts',
    ));

  it('a SIP address already used by a user (contact → user)', () =>
    expectRefused(
      () => api.post(`${T}/contacts`, { sipUri: 'sip:alice@contoso.com' }),
      409,
      'sipUri',
      'unique-sip-address-across-users-and-contacts',
    ));

  it('a SIP address already used by a contact (user → contact)', () =>
    expectRefused(
      () => api.post(`${T}/users`, { sipUri: 'sip:sa@contoso.com' }),
      409,
      'sipUri',
      'unique-sip-address-across-users-and-contacts',
    ));

  it('renaming a user onto a taken SIP address', () =>
    expectRefused(
      () => api.patch(`${T}/users/sip:alice@contoso.com`, { sipUri: 'sip:sa@contoso.com' }),
      409,
      'sipUri',
      'unique-sip-address-across-users-and-contacts',
    ));

  it('a duplicate line URI', () =>
    expectRefused(
      () => api.post(`${T}/users`, { sipUri: 'sip:bob@contoso.com', lineUri: 'TEL:+14255550100' }),
      409,
      'lineUri',
      'unique-line-uri-across-users-and-contacts',
    ));

  it('a line URI that is a contact’s display number', () =>
    expectRefused(
      () => api.post(`${T}/users`, { sipUri: 'sip:bob@contoso.com', lineUri: 'tel:+14255550199' }),
      409,
      'lineUri',
      'unique-line-uri-across-users-and-contacts',
    ));

  it('a duplicate display number', () =>
    expectRefused(
      () => api.post(`${T}/contacts`, { sipUri: 'sip:sa2@contoso.com', displayNumber: '14255550199' }),
      409,
      'displayNumber',
      'unique-line-uri-across-users-and-contacts',
    ));

  it('a display number starting with 0', () =>
    expectRefused(
      () => api.post(`${T}/contacts`, { sipUri: 'sip:aa@contoso.com', displayNumber: '0123456' }),
      400,
      'displayNumber',
      'display-number-leading-zero',
    ));

  it('a display number holding non-digits', () =>
    expectRefused(
      () => api.post(`${T}/contacts`, { sipUri: 'sip:aa@contoso.com', displayNumber: '+1 (425) 555-0100' }),
      400,
      'displayNumber',
      'display-number-digits',
    ));

  it('a contact sipUri without sip:', () =>
    expectRefused(() => api.post(`${T}/contacts`, { sipUri: 'aa@contoso.com' }), 400, 'sipUri', 'sip-scheme'));

  it('a user sipUri without sip:', () =>
    expectRefused(() => api.post(`${T}/users`, { sipUri: 'tel:+14255550111' }), 400, 'sipUri', 'sip-scheme'));

  it('changing a provider’s proxyFqdn', () =>
    expectRefused(
      () => api.patch(`${T}/hosting-providers/exo`, { proxyFqdn: 'other.um.outlook.com' }),
      409,
      'proxyFqdn',
      'proxy-fqdn-immutable',
    ));

  it('deleting the global policy', () =>
    expectRefused(() => api.delete(`${T}/voicemail-policies/global`), 409, 'id', 'global-policy-required'));

  it('a policy destination that is not a valid FQDN', () =>
    expectRefused(
      () => api.post(`${T}/voicemail-policies`, { id: 'tag:Bad', destination: 'um fabrikam com' }),
      400,
      'destination',
      'fqdn',
    ));

  it('a policy destination with a unicode look-alike', () =>
    expectRefused(
      () => api.patch(`${T}/voicemail-policies/global`, { destination: 'exap.um.оutlook.com' }),
      400,
      'destination',
      'ascii-fqdn',
    ));

  it('enabling hosted voicemail with no effective destination (create)', () =>
    expectRefused(
      () => api.post(`${T}/users`, { sipUri: 'sip:carol@contoso.com', hostedVoicemail: { admin: true } }),
      409,
      'hostedVoicemail.admin',
      'hosted-voicemail-needs-destination',
    ));

  it('enabling hosted voicemail with no effective destination (patch)', () =>
    expectRefused(
      () => api.patch(`${T}/users/sip:alice@contoso.com`, { hostedVoicemail: { admin: true } }),
      409,
      'hostedVoicemail.admin',
      'hosted-voicemail-needs-destination',
    ));

  it('granting a tag that does not exist', () =>
    expectRefused(
      () => api.patch(`${T}/users/sip:alice@contoso.com`, { hostedVoicemailPolicy: 'NoSuchTag' }),
      409,
      'hostedVoicemailPolicy',
      'policy-exists',
    ));

  it('granting a tag that does not exist to a contact', () =>
    expectRefused(
      () => api.post(`${T}/contacts`, { sipUri: 'sip:aa@contoso.com', hostedVoicemailPolicy: 'tag:NoSuchTag' }),
      409,
      'hostedVoicemailPolicy',
      'policy-exists',
    ));

  it('switching the edge to default-route while providers exist', () =>
    expectRefused(
      () => api.put(`${T}/edge`, { routingMode: 'default-route', allowFederatedUsers: true }),
      409,
      'routingMode',
      'no-hosting-providers-on-default-route',
    ));

  it('turning federation off while a provider is enabled', () =>
    expectRefused(
      () => api.put(`${T}/edge`, { routingMode: 'dns-srv', allowFederatedUsers: false }),
      409,
      'allowFederatedUsers',
      'provider-needs-dns-srv-and-federation',
    ));

  it('two providers that would both serve one destination', async () => {
    await expectCreated(api.post(`${T}/hosting-providers`, { id: 'fab1', proxyFqdn: 'proxy1.fabrikam.com' }));
    await expectCreated(api.post(`${T}/voicemail-policies`, { id: 'site:Dublin', destination: 'um.fabrikam.com' }));
    await expectRefused(
      () => api.post(`${T}/hosting-providers`, { id: 'fab2', proxyFqdn: 'proxy2.fabrikam.com' }),
      409,
      'proxyFqdn',
      'one-provider-per-destination',
    );
  });

  it('a policy destination that two providers would both serve', async () => {
    await expectCreated(api.post(`${T}/hosting-providers`, { id: 'nw1', proxyFqdn: 'proxy1.northwind.com' }));
    await expectCreated(api.post(`${T}/hosting-providers`, { id: 'nw2', proxyFqdn: 'proxy2.northwind.com' }));
    await expectRefused(
      () => api.post(`${T}/voicemail-policies`, { id: 'site:Oslo', destination: 'um.northwind.com' }),
      409,
      'destination',
      'one-provider-per-destination',
    );
    // An exact proxyFqdn match is not ambiguous.
    await expectCreated(api.post(`${T}/voicemail-policies`, { id: 'site:Oslo', destination: 'proxy1.northwind.com' }));
  });

  it('a second provider with the same proxyFqdn', () =>
    expectRefused(
      () => api.post(`${T}/hosting-providers`, { id: 'exo2', proxyFqdn: 'EXAP.um.outlook.com' }),
      409,
      'proxyFqdn',
      'unique-proxy-fqdn',
    ));

  it('deleting a tag policy that is still granted', async () => {
    await expectCreated(api.patch(`${T}/users/sip:alice@contoso.com`, { hostedVoicemailPolicy: 'ExOnline' }));
    await expectRefused(() => api.delete(`${T}/voicemail-policies/tag:ExOnline`), 409, 'id', 'policy-not-granted');
    await expectCreated(api.patch(`${T}/users/sip:alice@contoso.com`, { hostedVoicemailPolicy: null }));
    await expectCreated(api.post(`${T}/voicemail-policies`, { id: 'tag:Temp', destination: 'exap.um.outlook.com' }));
    expect((await api.delete(`${T}/voicemail-policies/tag:Temp`)).status).toBe(204);
  });

  it('an admin writing the provider’s flag', () =>
    expectRefused(
      () => api.patch(`${T}/users/sip:alice@contoso.com`, { hostedVoicemail: { provider: true } }),
      403,
      'hostedVoicemail.provider',
      'provider-writes-provider-flag',
    ));

  it('a user outside the tenant’s SIP domains', () =>
    expectRefused(() => api.post(`${T}/users`, { sipUri: 'sip:mallory@fabrikam.com' }), 409, 'sipUri', 'tenant-sip-domain'));
});

describe('section 4: the order of edge and provider changes', () => {
  it('lets a disabled provider exist on default-route, and refuses enabling it there', async () => {
    await expectCreated(api.post('/v1/tenants', { id: 'adatum', name: 'Adatum', domains: ['adatum.com'] }));
    await expectCreated(api.put('/v1/tenants/adatum/edge', { routingMode: 'default-route', allowFederatedUsers: true }));
    await expectCreated(
      api.post('/v1/tenants/adatum/hosting-providers', { id: 'exo', proxyFqdn: 'exap.um.outlook.com', sharedAddressSpace: true }),
    );
    await expectRefused(
      () => api.patch('/v1/tenants/adatum/hosting-providers/exo', { enabled: true }),
      409,
      'enabled',
      'provider-needs-dns-srv-and-federation',
    );
    await expectRefused(
      () => api.post('/v1/tenants/adatum/hosting-providers', { id: 'exo2', proxyFqdn: 'other.example.com', enabled: true }),
      409,
      'enabled',
      'provider-needs-dns-srv-and-federation',
    );
    await expectCreated(api.put('/v1/tenants/adatum/edge', { routingMode: 'dns-srv', allowFederatedUsers: true }));
    expect((await api.patch('/v1/tenants/adatum/hosting-providers/exo', { enabled: true })).status).toBe(200);
  });
});
