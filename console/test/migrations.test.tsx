import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import MigrationsPage from '../src/pages/migrations';
import { renderPage, stubApi, type StubAnswer } from './render';

afterEach(() => vi.unstubAllGlobals());

const T = '/v1/tenants/contoso';
const meta = {
  version: 2,
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:05:00.000Z',
  modifiedBy: { credentialId: 'cred_admin', role: 'user-admin' },
};
const migration = {
  id: 'mig_one',
  providerId: 'exo',
  grantPolicy: 'ExOnline',
  waveSize: 2,
  state: 'running',
  currentWave: 1,
  waveCount: 2,
  userCount: 3,
  ...meta,
};
const steps: Record<string, string | null> = {
  addedAt: '2026-12-01T10:00:00.000Z',
  requestedAt: null,
  completedAt: null,
  failedAt: null,
  rolledBackAt: null,
  cancelledAt: null,
};
const user = (sipUri: string, state: string, more: Record<string, string> = {}) => ({
  sipUri,
  lineUri: null,
  displayName: null,
  destination: 'exap.um.outlook.com',
  organizations: ['contoso.onmicrosoft.com'],
  wave: 1,
  state,
  steps: { ...steps, ...more },
  failureReason: null,
  lastDelivery: null,
});
const progress = {
  migration,
  counts: { pending: 1, requested: 1, completed: 1, failed: 0, 'rolled-back': 0, cancelled: 0 },
  users: [
    user('sip:alice@contoso.com', 'completed', { requestedAt: '2026-12-01T10:00:01.000Z', completedAt: '2026-12-01T10:03:00.000Z' }),
    user('sip:bob@contoso.com', 'requested', { requestedAt: '2026-12-01T10:00:02.000Z' }),
    user('sip:carol@contoso.com', 'pending'),
  ],
  nextCursor: null,
};
const list = { 'GET /v1/tenants/contoso/migrations': { body: { items: [migration], nextCursor: null } } };

const openMigration = async () => {
  fireEvent.click(await screen.findByRole('radio', { name: 'mig_one' }));
  return screen.findByTestId('count-completed');
};

describe('migrations', () => {
  it("lists the tenant's migrations with their state and counts", async () => {
    stubApi(list);
    renderPage(<MigrationsPage />, { role: 'reader' });
    expect(await screen.findByText('mig_one')).toBeTruthy();
    expect(screen.getByText('1 of 2')).toBeTruthy();
    expect(screen.getByText('running')).toBeTruthy();
  });

  it('says when there are none', async () => {
    stubApi({ 'GET /v1/tenants/contoso/migrations': { body: { items: [], nextCursor: null } } });
    renderPage(<MigrationsPage />, { role: 'reader' });
    expect(await screen.findByText('No migrations yet')).toBeTruthy();
  });

  it('shows what the API said when it refused', async () => {
    stubApi({
      'GET /v1/tenants/contoso/migrations': { status: 503, body: { title: 'The store is unavailable', status: 503, errors: [] } },
    });
    renderPage(<MigrationsPage />, { role: 'reader' });
    expect(await screen.findByText('The store is unavailable')).toBeTruthy();
  });

  it("shows a migration's progress by state and each user's steps; a reader is offered neither Start, Rollback nor Cancel", async () => {
    const requests = stubApi({ ...list, [`GET ${T}/migrations/mig_one`]: { body: progress } });
    renderPage(<MigrationsPage />, { role: 'reader' });
    expect((await openMigration()).textContent).toBe('1');
    expect(screen.getByTestId('count-pending').textContent).toBe('1');
    expect(screen.getByText('completed 2026-12-01T10:03:00.000Z')).toBeTruthy();
    expect(screen.getByText('2026-12-01T10:00:02.000Z')).toBeTruthy();
    expect(screen.getByText('Live: read again every 2 seconds')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Start migration' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Rollback/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Cancel migration' })).toBeNull();
    expect(requests.every((request) => request.method === 'GET')).toBe(true);
  });

  it('reads a running migration again until it is no longer running', async () => {
    let reads = 0;
    stubApi({
      ...list,
      [`GET ${T}/migrations/mig_one`]: () => {
        reads++;
        return { body: reads < 2 ? progress : { ...progress, migration: { ...migration, state: 'completed' } } };
      },
    });
    renderPage(<MigrationsPage />, { role: 'reader' });
    await openMigration();
    await waitFor(() => expect(reads).toBe(2), { timeout: 10_000 });
    await waitFor(() => expect(screen.getByTestId('migration-state').textContent).toBe('completed'));
  });

  it('runs a dry run (dryRun=true) before the real start, and shows what would happen', async () => {
    const bodies: { dryRun: string | null; body: unknown }[] = [];
    const requests = stubApi({
      ...list,
      [`POST ${T}/migrations`]: (request): StubAnswer => {
        const dryRun = new URL(request.url).searchParams.get('dryRun');
        bodies.push({ dryRun, body: null });
        return dryRun === 'true'
          ? {
              body: {
                dryRun: true,
                changes: [
                  {
                    action: 'create',
                    type: 'migration',
                    id: 'mig_new',
                    before: null,
                    after: { userCount: 2, waveCount: 1, waves: [['sip:alice@contoso.com', 'sip:bob@contoso.com']] },
                  },
                ],
                warnings: [],
              },
            }
          : { status: 201, body: { ...migration, id: 'mig_new' } };
      },
      [`GET ${T}/migrations/mig_new`]: { body: { ...progress, migration: { ...migration, id: 'mig_new' } } },
    });
    renderPage(<MigrationsPage />, { role: 'user-admin' });
    fireEvent.click(await screen.findByRole('button', { name: 'Start migration' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('SIP addresses'), {
      target: { value: 'sip:alice@contoso.com\n\nsip:bob@contoso.com\n' },
    });
    fireEvent.change(within(dialog).getByLabelText('Hosting provider'), { target: { value: 'exo' } });
    const start = within(dialog).getByRole('button', { name: 'Start' });
    expect(start.hasAttribute('disabled')).toBe(true);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Dry run' }));
    expect((await within(dialog).findByTestId('start-preview')).textContent).toBe('Would migrate 2 users in 1 wave');
    await waitFor(() => expect(start.hasAttribute('disabled')).toBe(false));
    fireEvent.click(start);
    await screen.findByText('mig_new', { selector: 'h2 *, h2' });

    const posts = requests.filter((request) => request.method === 'POST');
    expect(posts.map((request) => new URL(request.url).searchParams.get('dryRun'))).toEqual(['true', 'false']);
    const sent = await Promise.all(posts.map((request) => request.clone().json()));
    expect(sent[0]).toEqual({ users: ['sip:alice@contoso.com', 'sip:bob@contoso.com'], providerId: 'exo', waveSize: 50 });
    expect(sent[1]).toEqual(sent[0]);
    // The start (not the dry run) carries an Idempotency-Key: pressed again after a lost answer, it starts nothing twice.
    expect(posts[0]!.headers.get('idempotency-key')).toBeNull();
    expect(posts[1]!.headers.get('idempotency-key')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('follows a start accepted in the background (202): enrolling, then the refusal met there with its reasons', async () => {
    let reads = 0;
    const enrolling = { ...migration, id: 'mig_big', state: 'enrolling', currentWave: 0, refusal: null };
    const empty = { pending: 0, requested: 0, completed: 0, failed: 0, 'rolled-back': 0, cancelled: 0 };
    stubApi({
      ...list,
      [`POST ${T}/migrations`]: (request): StubAnswer =>
        new URL(request.url).searchParams.get('dryRun') === 'true'
          ? {
              body: {
                dryRun: true,
                changes: [
                  { action: 'create', type: 'migration', id: 'mig_big', before: null, after: { userCount: 2, waveCount: 1, waves: [[]] } },
                ],
                warnings: [],
              },
            }
          : { status: 202, body: enrolling },
      [`GET ${T}/migrations/mig_big`]: (): StubAnswer => ({
        body: {
          counts: empty,
          users: [],
          nextCursor: null,
          migration:
            ++reads < 2
              ? enrolling
              : {
                  ...enrolling,
                  state: 'refused',
                  refusal: {
                    status: 409,
                    detail: '1 of these users are already in an open migration',
                    errors: [
                      {
                        field: 'users.1',
                        rule: 'one-open-migration-per-user',
                        message: 'sip:bob@contoso.com is already in migration mig_one',
                      },
                    ],
                  },
                },
        },
      }),
    });
    renderPage(<MigrationsPage />, { role: 'user-admin' });
    fireEvent.click(await screen.findByRole('button', { name: 'Start migration' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('SIP addresses'), { target: { value: 'sip:alice@contoso.com\nsip:bob@contoso.com' } });
    fireEvent.change(within(dialog).getByLabelText('Hosting provider'), { target: { value: 'exo' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Dry run' }));
    const start = within(dialog).getByRole('button', { name: 'Start' });
    await waitFor(() => expect(start.hasAttribute('disabled')).toBe(false));
    fireEvent.click(start);
    await waitFor(() => expect(screen.getByTestId('migration-state').textContent).toBe('enrolling'));
    await waitFor(() => expect(screen.getByTestId('migration-state').textContent).toBe('refused'), { timeout: 10_000 });
    expect(
      await screen.findByText('users.1: sip:bob@contoso.com is already in migration mig_one (one-open-migration-per-user)'),
    ).toBeTruthy();
  });

  it("shows the API's refusal on the field it names (the user on the line)", async () => {
    stubApi({
      ...list,
      [`POST ${T}/migrations`]: {
        status: 409,
        body: {
          title: 'Conflict',
          status: 409,
          errors: [
            { field: 'users.1', rule: 'one-open-migration-per-user', message: 'sip:bob@contoso.com is already in migration mig_one' },
          ],
        },
      },
    });
    renderPage(<MigrationsPage />, { role: 'user-admin' });
    fireEvent.click(await screen.findByRole('button', { name: 'Start migration' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('SIP addresses'), { target: { value: 'sip:alice@contoso.com\nsip:bob@contoso.com' } });
    fireEvent.change(within(dialog).getByLabelText('Hosting provider'), { target: { value: 'exo' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Dry run' }));
    expect(
      await within(dialog).findByText('sip:bob@contoso.com is already in migration mig_one (one-open-migration-per-user)'),
    ).toBeTruthy();
    expect(within(dialog).getByRole('button', { name: 'Start' }).hasAttribute('disabled')).toBe(true);
  });

  it('rolls back and cancels after a confirmation, for a user admin', async () => {
    const requests = stubApi({
      ...list,
      [`GET ${T}/migrations/mig_one`]: { body: progress },
      [`POST ${T}/migrations/mig_one/rollback`]: { body: { rolledBack: ['sip:alice@contoso.com', 'sip:bob@contoso.com'], skipped: [] } },
      [`POST ${T}/migrations/mig_one/cancel`]: { body: { ...migration, state: 'cancelled' } },
    });
    renderPage(<MigrationsPage />, { role: 'user-admin' });
    await openMigration();

    fireEvent.click(screen.getByRole('button', { name: 'Rollback' }));
    expect(requests.some((request) => request.url.endsWith('/rollback'))).toBe(false);
    const rollback = await screen.findByRole('dialog', { name: 'Roll back' });
    fireEvent.click(within(rollback).getByRole('button', { name: 'Roll back' }));
    expect(await screen.findByText('Rolled back 2 users')).toBeTruthy();
    const rolled = requests.find((request) => request.url.endsWith('/rollback'))!;
    expect(await rolled.clone().json()).toEqual({});

    fireEvent.click(screen.getByRole('button', { name: 'Cancel migration' }));
    const cancel = await screen.findByRole('dialog', { name: 'Cancel the migration' });
    fireEvent.click(within(cancel).getByRole('button', { name: 'Cancel migration' }));
    await screen.findByText(/^Cancelled: no further waves/);
    expect(requests.filter((request) => request.url.endsWith('/cancel'))).toHaveLength(1);
  });
});
