import createWrapper from '@cloudscape-design/components/test-utils/dom';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import ContactsPage from '../src/pages/contacts';
import { renderPage, stubApi } from './render';

afterEach(() => vi.unstubAllGlobals());

const contact = (sipUri: string, version = 1) => ({
  type: 'contact',
  sipUri,
  displayNumber: '+14255550100',
  lineUri: 'tel:+14255550100',
  kind: 'subscriber-access',
  enabled: true,
  enterpriseVoiceEnabled: true,
  site: null,
  registrarPool: null,
  ou: null,
  description: 'front desk',
  hostedVoicemailPolicy: null,
  onPremisesDialPlan: 'dp.contoso.com',
  version,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
  modifiedBy: { credentialId: 'cred_admin', role: 'user-admin' },
});

const SA = 'sip:sa@contoso.com';
// The stub matches the path decoded (render.tsx): the client sends the address percent-encoded.
const SA_PATH = `/v1/tenants/contoso/contacts/${SA}`;
const problem = (status: number, code: string, errors: { field: string; rule: string; message: string }[] = []) => ({
  status,
  body: { title: code, status, code, errors },
});

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

describe('contacts', () => {
  it("pages with the API's cursor", async () => {
    const requests = stubApi({
      'GET /v1/tenants/contoso/contacts': (request) =>
        new URL(request.url).searchParams.get('cursor') === 'page-2'
          ? { body: { items: [contact('sip:aa@contoso.com')], nextCursor: null } }
          : { body: { items: [contact(SA)], nextCursor: 'page-2' } },
    });
    renderPage(<ContactsPage />, { role: 'reader' });
    expect(await screen.findByText(SA)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByText('sip:aa@contoso.com')).toBeTruthy();
    expect(screen.queryByText(SA)).toBeNull();
    expect(new URL(requests.at(-1)!.url).searchParams.get('cursor')).toBe('page-2');
  });

  it('says when there are none', async () => {
    stubApi({ 'GET /v1/tenants/contoso/contacts': { body: { items: [], nextCursor: null } } });
    renderPage(<ContactsPage />, { role: 'reader' });
    expect(await screen.findByText('No contacts')).toBeTruthy();
  });

  it('shows a refused list', async () => {
    stubApi({ 'GET /v1/tenants/contoso/contacts': problem(503, 'store-unavailable') });
    renderPage(<ContactsPage />, { role: 'reader' });
    expect(await screen.findByText('store-unavailable')).toBeTruthy();
  });

  it('offers a reader no Create, Edit or Delete, and no selection', async () => {
    stubApi({ 'GET /v1/tenants/contoso/contacts': { body: { items: [contact(SA)], nextCursor: null } } });
    renderPage(<ContactsPage />, { role: 'reader' });
    await screen.findByText(SA);
    expect(screen.queryByRole('button', { name: /Create/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
    expect(screen.queryByRole('radio', { name: `Select contact ${SA}` })).toBeNull();
  });

  it('shows a refusal naming sipUri under the SIP address field, and no other', async () => {
    const requests = stubApi({
      'GET /v1/tenants/contoso/contacts': { body: { items: [], nextCursor: null } },
      'POST /v1/tenants/contoso/contacts': problem(400, 'invalid-request', [
        { field: 'sipUri', rule: 'sip-uri', message: 'Not a SIP address of record' },
      ]),
    });
    renderPage(<ContactsPage />, { role: 'user-admin' });
    fireEvent.click(await screen.findByRole('button', { name: 'Create contact' }));
    fireEvent.change(screen.getByLabelText('SIP address'), { target: { value: 'alice@contoso' } });
    fireEvent.change(screen.getByLabelText('Number'), { target: { value: '+14255550199' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    await screen.findAllByText(/Not a SIP address of record/);
    expect(errorOf('SIP address')).toContain('Not a SIP address of record');
    expect(errorOf('Number')).toBeNull();
    const sent = (await requests.find((request) => request.method === 'POST')!.json()) as Record<string, unknown>;
    expect(sent).toMatchObject({ sipUri: 'alice@contoso', displayNumber: '+14255550199', kind: 'subscriber-access', site: null });
  });

  it('edits with If-Match of the loaded version, sending what changed', async () => {
    const requests = stubApi({
      'GET /v1/tenants/contoso/contacts': { body: { items: [contact(SA, 3)], nextCursor: null } },
      [`PATCH ${SA_PATH}`]: { body: contact(SA, 4) },
    });
    renderPage(<ContactsPage />, { role: 'user-admin' });
    fireEvent.click(await screen.findByRole('radio', { name: `Select contact ${SA}` }));
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    expect(screen.getByLabelText<HTMLInputElement>('Description').value).toBe('front desk');
    fireEvent.change(screen.getByLabelText('Description'), { target: { value: 'main number' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Save' })).toBeNull());
    const patch = requests.find((request) => request.method === 'PATCH')!;
    expect(patch.headers.get('If-Match')).toBe('"3"');
    expect(await patch.json()).toEqual({ description: 'main number' });
  });

  it('says a contact changed since the form opened it (412), and reloads it', async () => {
    const requests = stubApi({
      'GET /v1/tenants/contoso/contacts': { body: { items: [contact(SA, 3)], nextCursor: null } },
      [`PATCH ${SA_PATH}`]: problem(412, 'precondition-failed'),
      [`GET ${SA_PATH}`]: { body: { ...contact(SA, 5), description: 'changed elsewhere' } },
    });
    renderPage(<ContactsPage />, { role: 'user-admin' });
    fireEvent.click(await screen.findByRole('radio', { name: `Select contact ${SA}` }));
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    fireEvent.change(screen.getByLabelText('Description'), { target: { value: 'main number' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const warning = await screen.findByText('This contact changed since you opened it: reload');
    expect(warning).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Reload' }));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Description').value).toBe('changed elsewhere'));
    // Saved again, the form sends the version it reloaded.
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(requests.filter((request) => request.method === 'PATCH').length).toBe(2));
    expect(requests.filter((request) => request.method === 'PATCH').map((request) => request.headers.get('If-Match'))).toEqual([
      '"3"',
      '"5"',
    ]);
  });

  it('deletes with If-Match of the loaded version', async () => {
    const requests = stubApi({
      'GET /v1/tenants/contoso/contacts': { body: { items: [contact(SA, 2)], nextCursor: null } },
      [`DELETE ${SA_PATH}`]: { status: 204, body: null },
    });
    renderPage(<ContactsPage />, { role: 'operator', tenantId: null });
    fireEvent.click(await screen.findByRole('radio', { name: `Select contact ${SA}` }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(requests.some((request) => request.method === 'DELETE')).toBe(true));
    expect(requests.find((request) => request.method === 'DELETE')!.headers.get('If-Match')).toBe('"2"');
  });
});
