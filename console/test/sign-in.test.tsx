import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { roleMay } from '../src/session';
import { renderConsole, signedInAs, stubApi } from './render';

afterEach(() => vi.unstubAllGlobals());

describe('sign-in', () => {
  it('refuses a token the API does not accept, and keeps nothing', async () => {
    const requests = stubApi({
      'GET /v1/whoami': { status: 401, body: { title: 'Unauthenticated', status: 401, code: 'unauthenticated', errors: [] } },
    });
    renderConsole('/');
    fireEvent.change(screen.getByLabelText('Token'), { target: { value: 'exum_wrong' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByText('The token was not accepted');
    expect(requests[0]!.headers.get('Authorization')).toBe('Bearer exum_wrong');
    // Never in a URL: the token travels in the header only.
    expect(requests[0]!.url).not.toContain('exum_wrong');
    expect(sessionStorage.getItem('exum-console-token')).toBeNull();
  });

  it("signs in, keeps the token in this tab's session storage, and shows the role and tenant", async () => {
    stubApi({
      'GET /v1/whoami': { body: { credentialId: 'cred_1', role: 'reader', tenantId: 'contoso', providerId: null } },
      'GET /v1/tenants/contoso/summary': {
        body: {
          tenantId: 'contoso',
          mode: 'mixed',
          users: { hosted: 1, onPremises: 2, notRoutable: 0 },
          contacts: {
            'subscriber-access': { hosted: 0, onPremises: 1, notRoutable: 0 },
            'auto-attendant': { hosted: 0, onPremises: 0, notRoutable: 0 },
          },
          migrations: { running: 1, completed: 0, cancelled: 0 },
          deadLetters: { waiting: 3, capped: false },
          lastChangeAt: null,
          asOf: '2026-12-02T00:00:00.000Z',
        },
      },
    });
    renderConsole('/');
    fireEvent.change(screen.getByLabelText('Token'), { target: { value: 'exum_right' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(screen.getAllByText('reader · contoso').length).toBeGreaterThan(0));
    expect(sessionStorage.getItem('exum-console-token')).toBe('exum_right');
  });

  it('asks an operator which tenant to work on', async () => {
    stubApi({
      ...signedInAs({ role: 'operator', tenantId: null }),
      'GET /v1/tenants': { body: { items: [{ id: 'contoso', name: 'Contoso', domains: ['contoso.com'] }], nextCursor: null } },
    });
    renderConsole('/');
    await screen.findByText('contoso');
    await waitFor(() => expect(screen.getByText('contoso.com')).toBeTruthy());
  });
});

describe('what the console offers', () => {
  it('follows the route table: a reader may not create users, a user-admin may', () => {
    expect(roleMay('reader', 'POST', '/v1/tenants/{tenant}/users')).toBe(false);
    expect(roleMay('user-admin', 'POST', '/v1/tenants/{tenant}/users')).toBe(true);
    expect(roleMay('operator', 'DELETE', '/v1/tenants/{tenant}')).toBe(true);
    expect(roleMay('server-admin', 'DELETE', '/v1/tenants/{tenant}')).toBe(false);
  });
});
