import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import UsersPage from '../src/pages/users';
import { renderPage, stubApi } from './render';

afterEach(() => vi.unstubAllGlobals());

const alice = {
  type: 'user',
  sipUri: 'sip:alice@contoso.com',
  displayName: 'Alice',
  lineUri: 'tel:+14255550100',
  enabled: true,
  enterpriseVoiceEnabled: true,
  site: 'Redmond',
  registrarPool: null,
  hostedVoicemailPolicy: null,
  hostedVoicemail: { admin: null, provider: true },
  onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' },
  version: 3,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
  modifiedBy: { credentialId: 'cred_x', role: 'user-admin' },
};

describe('the users page', () => {
  it('lists a page with its route, and sends the filters to the API', async () => {
    const requests = stubApi({ 'GET /v1/tenants/contoso/users': { body: { items: [alice], nextCursor: 'next-page' } } });
    renderPage(<UsersPage />, { role: 'reader' });
    await screen.findByText('sip:alice@contoso.com');
    // The provider's flag makes her hosted.
    expect(screen.getByText('Hosted')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('SIP address begins with'), { target: { value: 'al' } });
    fireEvent.change(screen.getByLabelText('Site'), { target: { value: 'Redmond' } });
    fireEvent.click(screen.getByRole('button', { name: 'Filter' }));
    await waitFor(() => expect(requests.some((request) => new URL(request.url).searchParams.get('sipUriPrefix') === 'al')).toBe(true));
    const filtered = new URL(requests.at(-1)!.url);
    expect(filtered.searchParams.get('site')).toBe('Redmond');
    expect(filtered.searchParams.get('limit')).toBe('50');
  });

  it('offers a reader no change', async () => {
    stubApi({ 'GET /v1/tenants/contoso/users': { body: { items: [alice], nextCursor: null } } });
    renderPage(<UsersPage />, { role: 'reader' });
    await screen.findByText('sip:alice@contoso.com');
    expect(screen.queryByRole('button', { name: 'Set hosted voicemail' })).toBeNull();
  });

  it('sets hosted voicemail with a dry run first, showing the two-author warning, then writes with If-Match', async () => {
    const warning = 'hostedVoicemail.provider is already set (true) by the hosting provider';
    const requests = stubApi({
      'GET /v1/tenants/contoso/users': { body: { items: [alice], nextCursor: null } },
      'PATCH /v1/tenants/contoso/users/sip:alice@contoso.com': (request) =>
        new URL(request.url).searchParams.get('dryRun') === 'true'
          ? {
              body: {
                dryRun: true,
                changes: [{ action: 'update', before: { hostedVoicemail: { admin: null } }, after: { hostedVoicemail: { admin: true } } }],
                warnings: [warning],
              },
            }
          : { body: { ...alice, hostedVoicemail: { admin: true, provider: true }, version: 4 } },
    });
    renderPage(<UsersPage />, { role: 'user-admin' });
    fireEvent.click(await screen.findByRole('radio', { name: 'sip:alice@contoso.com' }));
    fireEvent.click(screen.getByRole('button', { name: 'Set hosted voicemail' }));
    const apply = screen.getByRole('button', { name: 'Apply' });
    expect(apply.hasAttribute('disabled') || apply.getAttribute('aria-disabled') === 'true').toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Preview (dry run)' }));
    expect(await screen.findByText(warning)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(requests.filter((request) => request.method === 'PATCH')).toHaveLength(2));
    const [preview, write] = requests.filter((request) => request.method === 'PATCH');
    expect(new URL(preview!.url).searchParams.get('dryRun')).toBe('true');
    expect(new URL(write!.url).searchParams.get('dryRun')).toBe('false');
    expect(write!.headers.get('If-Match')).toBe('"3"');
  });
});
