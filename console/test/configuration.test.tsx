import createWrapper from '@cloudscape-design/components/test-utils/dom';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import ConfigurationPage from '../src/pages/configuration';
import { renderPage, stubApi, type Answers, type StubAnswer } from './render';

afterEach(() => vi.unstubAllGlobals());

const stamp = {
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
  modifiedBy: { credentialId: 'cred_admin', role: 'server-admin' },
};
const edge = { routingMode: 'dns-srv', allowFederatedUsers: false, nextHop: null, version: 7, ...stamp };
const provider = {
  id: 'fabrikam',
  proxyFqdn: 'proxy.fabrikam.com',
  enabled: true,
  sharedAddressSpace: true,
  hostsUsers: false,
  isLocal: false,
  verificationLevel: 'always-verifiable',
  eventEndpoint: { url: 'https://events.fabrikam.com/exum', secretConfigured: true },
  version: 2,
  ...stamp,
};
const dialPlan = {
  id: 'dp.contoso.com',
  uriType: 'e164',
  voipSecurity: 'secured',
  servers: [{ fqdn: 'um1.contoso.com', port: 5061, transport: 'tls', exchangeVersion: 15 }],
  version: 4,
  ...stamp,
};
const empty = { body: { items: [], nextCursor: null } };
const problem = (status: number, code: string, errors: { field: string; rule: string; message: string }[] = []) => ({
  status,
  body: { title: code, status, code, errors },
});

function answers(extra: Answers = {}): Answers {
  return {
    'GET /v1/tenants/contoso/edge': { body: edge },
    'GET /v1/tenants/contoso/hosting-providers': { body: { items: [provider], nextCursor: null } },
    'GET /v1/tenants/contoso/voicemail-policies': empty,
    'GET /v1/tenants/contoso/dial-plans': { body: { items: [dialPlan], nextCursor: null } },
    'GET /v1/tenants/contoso/rerouting': empty,
    ...extra,
  };
}

const openTab = (label: string) => fireEvent.click(screen.getByRole('tab', { name: label }));

/** The form field labelled `label` (in the page or its modal). */
const formField = (label: string) => {
  const field = createWrapper(document.body)
    .findAllFormFields()
    .find((candidate) => candidate.findLabel()?.getElement().textContent === label);
  if (field === undefined) throw new Error(`no form field labelled ${label}`);
  return field;
};

/** The refusal shown under the field labelled `label`, as text (null when none). */
const errorOf = (label: string) => formField(label).findError()?.getElement().textContent ?? null;

describe('configuration', () => {
  it('saves the edge with PUT and If-Match of the version it loaded', async () => {
    const requests = stubApi(answers({ 'PUT /v1/tenants/contoso/edge': { body: { ...edge, allowFederatedUsers: true, version: 8 } } }));
    renderPage(<ConfigurationPage />, { role: 'server-admin' });
    fireEvent.click(await screen.findByLabelText('Allow federated users'));
    fireEvent.change(screen.getByLabelText('Next hop'), { target: { value: 'sip:edge.contoso.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save edge' }));
    await screen.findByText(/^Version 8/);
    const put = requests.find((request) => request.method === 'PUT')!;
    expect(put.headers.get('If-Match')).toBe('"7"');
    expect(await put.json()).toEqual({ routingMode: 'dns-srv', allowFederatedUsers: true, nextHop: 'sip:edge.contoso.com' });
  });

  it("shows the edge's refusal on the field it names, and a 412 as a change since it was opened", async () => {
    let answer = problem(400, 'invalid-request', [{ field: 'nextHop', rule: 'sip-uri', message: 'Not a SIP URI' }]);
    stubApi(answers({ 'PUT /v1/tenants/contoso/edge': () => answer }));
    renderPage(<ConfigurationPage />, { role: 'server-admin' });
    fireEvent.change(await screen.findByLabelText('Next hop'), { target: { value: 'edge' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save edge' }));
    await screen.findAllByText(/Not a SIP URI/);
    expect(errorOf('Next hop')).toContain('Not a SIP URI');
    expect(errorOf('Routing mode')).toBeNull();
    answer = problem(412, 'precondition-failed');
    fireEvent.click(screen.getByRole('button', { name: 'Save edge' }));
    expect(await screen.findByText('This edge configuration changed since you opened it: reload')).toBeTruthy();
  });

  it('saves the gateway settings with PUT and If-Match "0" while never written, and shows a refusal on the field', async () => {
    const defaults = { staleIfErrorSeconds: 86400, version: 0, createdAt: null, updatedAt: null, modifiedBy: null };
    let answer: StubAnswer = problem(400, 'validation-failed', [
      { field: 'staleIfErrorSeconds', rule: 'max', message: 'must be at most 604800 (7 days)' },
    ]);
    const requests = stubApi(
      answers({ 'GET /v1/tenants/contoso/gateway-settings': { body: defaults }, 'PUT /v1/tenants/contoso/gateway-settings': () => answer }),
    );
    renderPage(<ConfigurationPage />, { role: 'server-admin' });
    openTab('Gateway settings');
    expect(await screen.findByText('The defaults: never changed')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Stale if error (seconds)'), { target: { value: '700000' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save gateway settings' }));
    await screen.findAllByText(/must be at most 604800/);
    expect(errorOf('Stale if error (seconds)')).toContain('must be at most 604800');
    answer = { body: { ...defaults, staleIfErrorSeconds: 3600, version: 1, ...stamp } };
    fireEvent.change(screen.getByLabelText('Stale if error (seconds)'), { target: { value: '3600' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save gateway settings' }));
    await screen.findByText(/^Version 1/);
    const put = requests.filter((request) => request.method === 'PUT').at(-1)!;
    expect(put.headers.get('If-Match')).toBe('"0"');
    expect(await put.json()).toEqual({ staleIfErrorSeconds: 3600 });
  });

  it('shows a reader the gateway settings without a Save', async () => {
    stubApi(answers({ 'GET /v1/tenants/contoso/gateway-settings': { body: { staleIfErrorSeconds: 0, version: 2, ...stamp } } }));
    renderPage(<ConfigurationPage />, { role: 'reader' });
    openTab('Gateway settings');
    expect(await screen.findByText('Stale if error (seconds)')).toBeTruthy();
    expect(screen.getByText('0')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Save gateway settings' })).toBeNull();
  });

  it('offers a reader no Create, Edit, Delete or Save in any tab', async () => {
    stubApi(answers());
    renderPage(<ConfigurationPage />, { role: 'reader' });
    expect(await screen.findByText('dns-srv')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Save edge' })).toBeNull();
    for (const tab of ['Hosting providers', 'Voicemail policies', 'Dial plans', 'Rerouting']) {
      openTab(tab);
      await waitFor(() => expect(screen.queryByText(/Loading/)).toBeNull());
      expect(screen.queryByRole('button', { name: /^Create/ })).toBeNull();
      expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
      expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
    }
  });

  it("never shows a provider's signing secret, and keeps it when the endpoint is unchanged", async () => {
    const requests = stubApi(answers({ 'PATCH /v1/tenants/contoso/hosting-providers/fabrikam': { body: { ...provider, version: 3 } } }));
    renderPage(<ConfigurationPage />, { role: 'server-admin' });
    openTab('Hosting providers');
    fireEvent.click(await screen.findByRole('radio', { name: 'Select hosting provider fabrikam' }));
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    expect(screen.getByLabelText<HTMLInputElement>('Event endpoint signing secret').value).toBe('');
    expect(screen.getByLabelText<HTMLInputElement>('Event endpoint URL').value).toBe('https://events.fabrikam.com/exum');
    fireEvent.click(screen.getByLabelText('Enabled'));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(requests.some((request) => request.method === 'PATCH')).toBe(true));
    const patch = requests.find((request) => request.method === 'PATCH')!;
    expect(patch.headers.get('If-Match')).toBe('"2"');
    expect(await patch.json()).toEqual({ enabled: false });
  });

  it("shows a refusal of a provider's nested field on that field", async () => {
    stubApi(
      answers({
        'POST /v1/tenants/contoso/hosting-providers': problem(400, 'invalid-request', [
          { field: 'eventEndpoint.secret', rule: 'min-length', message: 'At least 24 characters' },
        ]),
      }),
    );
    renderPage(<ConfigurationPage />, { role: 'server-admin' });
    openTab('Hosting providers');
    fireEvent.click(await screen.findByRole('button', { name: 'Create hosting provider' }));
    fireEvent.change(screen.getByLabelText('Id'), { target: { value: 'northwind' } });
    fireEvent.change(screen.getByLabelText('Proxy FQDN'), { target: { value: 'proxy.northwind.com' } });
    fireEvent.change(screen.getByLabelText('Event endpoint URL'), { target: { value: 'https://events.northwind.com' } });
    fireEvent.change(screen.getByLabelText('Event endpoint signing secret'), { target: { value: 'short' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    await screen.findAllByText(/At least 24 characters/);
    expect(errorOf('Event endpoint signing secret')).toContain('At least 24 characters');
    expect(errorOf('Event endpoint URL')).toBeNull();
  });

  it("shows a refusal of a dial plan's server under the servers field, and a 412 on delete", async () => {
    const requests = stubApi(
      answers({
        'PATCH /v1/tenants/contoso/dial-plans/dp.contoso.com': problem(400, 'invalid-request', [
          { field: 'servers.0.fqdn', rule: 'fqdn', message: 'Not an FQDN' },
        ]),
        'DELETE /v1/tenants/contoso/dial-plans/dp.contoso.com': problem(412, 'precondition-failed'),
      }),
    );
    renderPage(<ConfigurationPage />, { role: 'server-admin' });
    openTab('Dial plans');
    fireEvent.click(await screen.findByRole('radio', { name: 'Select dial plan dp.contoso.com' }));
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    fireEvent.change(screen.getByLabelText('Servers (JSON)'), {
      target: { value: '[{ "fqdn": "um1", "port": 5061, "transport": "tls", "exchangeVersion": 15 }]' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findAllByText(/Not an FQDN/);
    expect(errorOf('Servers (JSON)')).toContain('Not an FQDN');
    const patch = requests.find((request) => request.method === 'PATCH')!;
    expect(await patch.json()).toEqual({ servers: [{ fqdn: 'um1', port: 5061, transport: 'tls', exchangeVersion: 15 }] });
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));

    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(dialog.querySelector('button[class*="variant-primary"]') ?? screen.getAllByRole('button', { name: 'Delete' }).at(-1)!);
    expect(await screen.findByText('This dial plan changed since you opened it: reload')).toBeTruthy();
    expect(requests.find((request) => request.method === 'DELETE')!.headers.get('If-Match')).toBe('"4"');
  });

  it('refuses JSON that does not parse on the servers field, without sending', async () => {
    const requests = stubApi(answers());
    renderPage(<ConfigurationPage />, { role: 'server-admin' });
    openTab('Dial plans');
    fireEvent.click(await screen.findByRole('button', { name: 'Create dial plan' }));
    fireEvent.change(screen.getByLabelText('Phone context'), { target: { value: 'dp2.contoso.com' } });
    fireEvent.change(screen.getByLabelText('Servers (JSON)'), { target: { value: '[{' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    await screen.findAllByText(/Not valid JSON/);
    expect(errorOf('Servers (JSON)')).toContain('Not valid JSON');
    expect(requests.some((request) => request.method === 'POST')).toBe(false);
  });
});
