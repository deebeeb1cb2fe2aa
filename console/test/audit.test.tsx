import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import AuditPage from '../src/pages/audit';
import { renderPage, stubApi } from './render';

afterEach(() => vi.unstubAllGlobals());

const T = '/v1/tenants/contoso';
const update = {
  id: 'aud_1',
  at: '2026-12-01T10:00:00.000Z',
  actor: { credentialId: 'cred_alice', role: 'server-admin' },
  objectType: 'dial-plan',
  objectId: 'dp.contoso.com',
  action: 'update',
  changedFields: ['voipSecurity'],
  before: { id: 'dp.contoso.com', uriType: 'e164', voipSecurity: 'secured' },
  after: { id: 'dp.contoso.com', uriType: 'e164', voipSecurity: 'unsecured' },
};
const create = { ...update, id: 'aud_0', action: 'create', changedFields: [], before: null, at: '2026-12-01T09:00:00.000Z' };

describe('the audit trail', () => {
  it('shows the before and after of the selected entry side by side, the changed keys highlighted', async () => {
    stubApi({ [`GET ${T}/audit`]: { body: { items: [update, create], nextCursor: null } } });
    renderPage(<AuditPage />, { role: 'reader' });
    fireEvent.click(await screen.findByRole('radio', { name: 'update dial-plan dp.contoso.com at 2026-12-01T10:00:00.000Z' }));

    const before = await screen.findByTestId('audit-before');
    const after = screen.getByTestId('audit-after');
    // Two columns of one layout, before first.
    const columns = within(screen.getByTestId('before-after')).getAllByRole('region');
    expect(columns.map((column) => column.getAttribute('aria-label'))).toEqual(['Before', 'After']);
    expect(columns[0]!.contains(before) && columns[1]!.contains(after)).toBe(true);
    expect(before.compareDocumentPosition(after) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(within(before).getByText('"voipSecurity": "secured"')).toBeTruthy();
    expect(within(after).getByText('"voipSecurity": "unsecured"')).toBeTruthy();
    const marked = (column: HTMLElement) => [...column.querySelectorAll('mark')].map((mark) => mark.dataset.changed);
    expect(marked(before)).toEqual(['voipSecurity']);
    expect(marked(after)).toEqual(['voipSecurity']);
    expect(within(after).getByText('"uriType": "e164",').tagName).toBe('SPAN');
  });

  it('shows a creation with nothing before, every key of after highlighted', async () => {
    stubApi({ [`GET ${T}/audit`]: { body: { items: [create], nextCursor: null } } });
    renderPage(<AuditPage />, { role: 'reader' });
    fireEvent.click(await screen.findByRole('radio', { name: /^create dial-plan/ }));
    expect((await screen.findByTestId('audit-before')).textContent).toBe('(none)');
    expect([...screen.getByTestId('audit-after').querySelectorAll('mark')].map((mark) => mark.dataset.changed)).toEqual([
      'id',
      'uriType',
      'voipSecurity',
    ]);
  });

  it('sends the filters, and shows the refusal of a bad time on its field', async () => {
    const requests = stubApi({
      [`GET ${T}/audit`]: (request) =>
        new URL(request.url).searchParams.get('from') === 'yesterday'
          ? {
              status: 400,
              body: {
                title: 'Invalid request',
                status: 400,
                errors: [{ field: 'query.from', rule: 'invalid_format', message: 'must be an ISO 8601 time such as 2026-11-25T00:00:00Z' }],
              },
            }
          : { body: { items: [], nextCursor: null } },
    });
    renderPage(<AuditPage />, { role: 'reader' });
    expect(await screen.findByText('No entries match')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Object id'), { target: { value: 'sip:alice@contoso.com' } });
    fireEvent.change(screen.getByLabelText('Credential id'), { target: { value: 'cred_bob' } });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2026-12-01T00:00:00Z' } });
    fireEvent.click(screen.getByRole('button', { name: 'Filter' }));
    await waitFor(() => expect(requests).toHaveLength(2));
    const query = new URL(requests[1]!.url).searchParams;
    expect(Object.fromEntries(query)).toEqual({
      limit: '50',
      objectId: 'sip:alice@contoso.com',
      credentialId: 'cred_bob',
      to: '2026-12-01T00:00:00Z',
    });

    fireEvent.change(screen.getByLabelText('From'), { target: { value: 'yesterday' } });
    fireEvent.click(screen.getByRole('button', { name: 'Filter' }));
    // On the From field: the error is what describes its input.
    await waitFor(() => {
      const describedBy = screen.getByLabelText('From').getAttribute('aria-describedby') ?? '';
      const descriptions = describedBy.split(' ').map((id) => document.getElementById(id)?.textContent ?? '');
      expect(descriptions).toContain('must be an ISO 8601 time such as 2026-11-25T00:00:00Z (invalid_format)');
    });
  });

  it("pages with the API's cursor", async () => {
    stubApi({
      [`GET ${T}/audit`]: (request) =>
        new URL(request.url).searchParams.get('cursor') === 'c1'
          ? { body: { items: [create], nextCursor: null } }
          : { body: { items: [update], nextCursor: 'c1' } },
    });
    renderPage(<AuditPage />, { role: 'reader' });
    await screen.findByRole('radio', { name: /^update dial-plan/ });
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByRole('radio', { name: /^create dial-plan/ })).toBeTruthy();
  });
});
