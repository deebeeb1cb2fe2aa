// Configuration builders for integration tests: a tenant in mixed mode with a hosted provider.
import type { ApiClient } from './service.js';
import type { ParsedJson } from './json.js';

export async function expectCreated(answer: Promise<{ status: number; body: unknown }>): Promise<ParsedJson> {
  const { status, body } = await answer;
  if (status !== 201 && status !== 200) throw new Error(`expected success, got ${status}: ${JSON.stringify(body)}`);
  return body;
}

/** Edge ready for hosting providers, Exchange Online as provider, a tag policy pointing at it. */
export async function setUpHostedProvider(api: ApiClient, tenant: string): Promise<void> {
  await expectCreated(api.put(`/v1/tenants/${tenant}/edge`, { routingMode: 'dns-srv', allowFederatedUsers: true, nextHop: null }));
  await expectCreated(
    api.post(`/v1/tenants/${tenant}/hosting-providers`, {
      id: 'exo',
      proxyFqdn: 'exap.um.outlook.com',
      enabled: true,
      sharedAddressSpace: true,
      hostsUsers: false,
    }),
  );
  await expectCreated(
    api.post(`/v1/tenants/${tenant}/voicemail-policies`, {
      id: 'tag:ExOnline',
      destination: 'exap.um.outlook.com',
      organizations: [`${tenant}.onmicrosoft.com`],
    }),
  );
}

export const createTenant = (api: ApiClient, id: string, domains = [`${id}.com`]) =>
  expectCreated(api.post('/v1/tenants', { id, name: id, domains }));

/** A tenant set up for hosted voicemail whose provider delivers its events to `url`. */
export async function setUpHostedProviderWithEvents(api: ApiClient, tenant: string, url: string, secret: string): Promise<void> {
  await createTenant(api, tenant);
  await setUpHostedProvider(api, tenant);
  await expectCreated(api.patch(`/v1/tenants/${tenant}/hosting-providers/exo`, { eventEndpoint: { url, secret } }));
}
