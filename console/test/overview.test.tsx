import { screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import OverviewPage from '../src/pages/overview';
import { renderPage, stubApi } from './render';

afterEach(() => vi.unstubAllGlobals());

const summary = {
  tenantId: 'contoso',
  mode: 'mixed',
  users: { hosted: 1, onPremises: 2, notRoutable: 4 },
  contacts: {
    'subscriber-access': { hosted: 0, onPremises: 1, notRoutable: 0 },
    'auto-attendant': { hosted: 0, onPremises: 0, notRoutable: 0 },
  },
  migrations: { running: 5, completed: 0, cancelled: 0 },
  deadLetters: { waiting: 1000, capped: true },
  lastChangeAt: null,
  asOf: '2026-12-02T00:00:00.000Z',
};

describe('the overview', () => {
  it("shows the tenant's mode, the counts by route, migrations in flight and dead letters waiting", async () => {
    stubApi({ 'GET /v1/tenants/contoso/summary': { body: summary } });
    renderPage(<OverviewPage />, { role: 'reader' });
    expect((await screen.findByTestId('tenant-mode')).textContent).toBe('mixed');
    expect(screen.getByText('4')).toBeTruthy();
    expect(screen.getByText('5')).toBeTruthy();
    expect(screen.getByText('1000+')).toBeTruthy();
  });

  it('shows what the API said when it refused', async () => {
    stubApi({
      'GET /v1/tenants/contoso/summary': {
        status: 503,
        body: { title: 'The store is unavailable', status: 503, code: 'store-unavailable', detail: 'try again', errors: [] },
      },
    });
    renderPage(<OverviewPage />, { role: 'reader' });
    expect(await screen.findByText('The store is unavailable')).toBeTruthy();
  });
});
