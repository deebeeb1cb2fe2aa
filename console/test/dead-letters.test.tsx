import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import DeadLettersPage from '../src/pages/dead-letters';
import { renderPage, stubApi, type StubAnswer } from './render';

afterEach(() => vi.unstubAllGlobals());

const T = '/v1/tenants/contoso';
const letter = (id: string, subject: string) => ({
  id,
  kind: 'provider-event',
  eventId: id,
  type: 'contact.created',
  providerId: 'exo',
  subject,
  reason: 'the provider answered 400: unknown organization',
  attempts: 1,
  lastStatus: 400,
  deadLetteredAt: '2026-12-01T10:00:00.000Z',
  event: { id, type: 'contact.created', data: { sipUri: subject, organization: 'contoso.onmicrosoft.com' } },
  migration: null,
  expiresAt: 1803995301,
});
const first = letter('evt_first', 'sip:sa1@contoso.com');
const second = letter('evt_second', 'sip:sa2@contoso.com');

/** The list in two pages: the second read with the first's cursor. */
const pagedList = (request: Request): StubAnswer =>
  new URL(request.url).searchParams.get('cursor') === 'c1'
    ? { body: { items: [second], nextCursor: null } }
    : { body: { items: [first], nextCursor: 'c1' } };

const select = async (id: string) => {
  fireEvent.click(await screen.findByRole('radio', { name: id }));
  await screen.findByTestId('dead-letter-event');
};

describe('dead letters', () => {
  it("pages with the API's cursor (Load more), and shows one with its event and its failure", async () => {
    stubApi({ [`GET ${T}/dead-letters`]: pagedList, [`GET ${T}/dead-letters/evt_second`]: { body: second } });
    renderPage(<DeadLettersPage />, { role: 'reader' });
    expect(await screen.findByText('sip:sa1@contoso.com')).toBeTruthy();
    expect(screen.queryByText('sip:sa2@contoso.com')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('sip:sa2@contoso.com')).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull());

    await select('evt_second');
    expect(JSON.parse(screen.getByTestId('dead-letter-event').textContent)).toEqual(second.event);
    expect(screen.getByTestId('dead-letter-reason').textContent).toBe('the provider answered 400: unknown organization');
  });

  it('says when there are none', async () => {
    stubApi({ [`GET ${T}/dead-letters`]: { body: { items: [], nextCursor: null } } });
    renderPage(<DeadLettersPage />, { role: 'reader' });
    expect(await screen.findByText('No dead letters: every event was delivered or applied')).toBeTruthy();
  });

  it('offers a reader neither Replay, Replay all nor Discard', async () => {
    const requests = stubApi({ [`GET ${T}/dead-letters`]: pagedList, [`GET ${T}/dead-letters/evt_first`]: { body: first } });
    renderPage(<DeadLettersPage />, { role: 'reader' });
    await select('evt_first');
    expect(screen.queryByRole('button', { name: 'Replay' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Replay all' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Discard' })).toBeNull();
    expect(requests.every((request) => request.method === 'GET')).toBe(true);
  });

  it("refuses a discard without a reason in the form, sending nothing; shows the API's refusal on the field", async () => {
    const requests = stubApi({
      [`GET ${T}/dead-letters`]: pagedList,
      [`GET ${T}/dead-letters/evt_first`]: { body: first },
      [`POST ${T}/dead-letters/evt_first/discard`]: {
        status: 400,
        body: {
          title: 'Invalid request',
          status: 400,
          errors: [{ field: 'reason', rule: 'too_big', message: 'must be at most 1000 characters' }],
        },
      },
    });
    renderPage(<DeadLettersPage />, { role: 'user-admin' });
    await select('evt_first');
    fireEvent.click(screen.getByRole('button', { name: 'Discard' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Reason'), { target: { value: '   ' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Discard' }));
    expect(await within(dialog).findByText('A reason is required: the audit trail tells it to the next person')).toBeTruthy();
    expect(requests.some((request) => request.method === 'POST')).toBe(false);

    fireEvent.change(within(dialog).getByLabelText('Reason'), { target: { value: 'x'.repeat(1001) } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Discard' }));
    expect(await within(dialog).findByText('must be at most 1000 characters (too_big)')).toBeTruthy();
    const post = requests.find((request) => request.method === 'POST')!;
    expect(await post.clone().json()).toEqual({ reason: 'x'.repeat(1001) });
  });

  it('replays one with its reason', async () => {
    const requests = stubApi({
      [`GET ${T}/dead-letters`]: pagedList,
      [`GET ${T}/dead-letters/evt_first`]: { body: first },
      [`POST ${T}/dead-letters/evt_first/replay`]: { status: 202, body: first },
    });
    renderPage(<DeadLettersPage />, { role: 'user-admin' });
    await select('evt_first');
    fireEvent.click(screen.getByRole('button', { name: 'Replay' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Reason'), { target: { value: 'exo fixed its endpoint (INC-1)' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Replay' }));
    expect(await screen.findByText(/^Replay of evt_first queued/)).toBeTruthy();
    const post = requests.find((request) => request.method === 'POST')!;
    expect(await post.clone().json()).toEqual({ reason: 'exo fixed its endpoint (INC-1)' });
  });

  it('replays all after a dry run that counts them, up to the time the dry run used', async () => {
    const requests = stubApi({
      [`GET ${T}/dead-letters`]: pagedList,
      [`POST ${T}/dead-letters/replay`]: (request) => {
        const dryRun = new URL(request.url).searchParams.get('dryRun') === 'true';
        const queued = [first, second].map(({ id, kind, type, providerId, subject, deadLetteredAt }) => ({
          id,
          kind,
          type,
          providerId,
          subject,
          deadLetteredAt,
          replayId: dryRun ? null : `rpl_${id}`,
        }));
        return {
          status: dryRun ? 200 : 202,
          body: { dryRun, to: '2026-12-02T00:00:00.000Z', matched: 2, queued, skipped: [], remaining: 0 },
        };
      },
    });
    renderPage(<DeadLettersPage />, { role: 'user-admin' });
    fireEvent.click(await screen.findByRole('button', { name: 'Replay all' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByRole('button', { name: 'Replay' }).hasAttribute('disabled')).toBe(true);
    fireEvent.change(within(dialog).getByLabelText('Reason'), { target: { value: 'outage over' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Dry run' }));
    expect((await within(dialog).findByTestId('replay-all-preview')).textContent).toBe('2 dead letters match; 2 would be replayed');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Replay 2' }));
    expect(await screen.findByText('Queued 2 replays')).toBeTruthy();

    const posts = requests.filter((request) => request.method === 'POST');
    expect(posts.map((request) => new URL(request.url).searchParams.get('dryRun'))).toEqual(['true', 'false']);
    expect(await posts[1]!.clone().json()).toEqual({ reason: 'outage over', to: '2026-12-02T00:00:00.000Z' });
  });
});
