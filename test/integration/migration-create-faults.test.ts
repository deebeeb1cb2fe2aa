// A migration start whose write happened while its answer was lost (issue 15, item 4): the store
// applies the write but the service never learns, so the client is told 503; the client sends the
// same request again under the same Idempotency-Key and gets the migration that was made (no 409,
// no second migration), which the stream processor then enrolls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { startFaultyService, type FaultyService } from '../support/faulty-service.js';
import { apiClient, createTenantWithCredentials, type Answer, type ApiClient } from '../support/service.js';

const T = '/v1/tenants/contoso';
/** Above the users enrolled within the request: accepted, enrolled in the background. */
const USERS = 150;
const users = Array.from({ length: USERS }, (_, index) => `sip:fault${index}@contoso.com`);

/** Sends a request again while the service answers 503, as a client with a key does; the answer after. */
async function untilAnswered(send: () => Promise<Answer>): Promise<Answer> {
  for (let attempt = 1; ; attempt++) {
    const answer = await send();
    if (answer.status !== 503 || attempt >= 20) return answer;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

let faulty: FaultyService;
let admin: ApiClient;

beforeAll(async () => {
  faulty = await startFaultyService({ streamProcessor: true });
  const api = apiClient(faulty.service);
  admin = api.as((await createTenantWithCredentials(api, 'contoso', ['contoso.com']))['user-admin']);
  await setUpHostedProvider(api, 'contoso');
  // A batch is an upsert: sent again when a busy machine makes the store answer late (503).
  for (let start = 0; start < USERS; start += 50) {
    const rows = users.slice(start, start + 50).map((sipUri) => ({ sipUri, enterpriseVoiceEnabled: true }));
    await untilAnswered(() => admin.post(`${T}/users/batch`, { users: rows }));
  }
  await expectCreated(admin.get(`${T}/users/${users[USERS - 1]}`));
}, 300_000);

afterAll(async () => {
  await faulty?.stop();
});

describe('a migration start whose answer was lost', () => {
  it('is answered 503, and the retry under the same Idempotency-Key gets the migration made', { timeout: 300_000 }, async () => {
    const request = { users, providerId: 'exo', grantPolicy: 'ExOnline', waveSize: 50 };
    const key = { headers: { 'idempotency-key': 'start-after-a-lost-answer' } };
    // Every transaction is applied and its answer lost (the SDK's own retries included): the start's one write happens.
    faulty.proxy.inject('TransactWriteItems', { kind: 'lose-answer' });
    const first = await admin.post(`${T}/migrations`, request, key);
    expect(first.status, JSON.stringify(first.body)).toBe(503);
    expect(faulty.proxy.seen('TransactWriteItems').faulted).toBeGreaterThan(0);
    faulty.proxy.clear();
    const written = (await faulty.items()).filter((item) => item.entity === 'migration');
    expect(written).toHaveLength(1);

    // Sent again under the same key (again while the machine is too busy for the store to answer in time).
    const retry = await untilAnswered(() => admin.post(`${T}/migrations`, request, key));
    expect([201, 202], JSON.stringify(retry.body)).toContain(retry.status);
    expect(retry.body.id).toBe(written[0]!.id);
    expect(retry.headers.get('location')).toBe(`${T}/migrations/${retry.body.id}`);
    expect((await admin.get(`${T}/migrations`)).body.items.map((migration: { id: string }) => migration.id)).toEqual([retry.body.id]);

    // Enrolled in the background once the store answers again: running, every user in it.
    const deadline = Date.now() + 240_000;
    let progress;
    do {
      await new Promise((resolve) => setTimeout(resolve, 250));
      progress = (await admin.get(`${T}/migrations/${retry.body.id}?limit=1`)).body;
    } while (progress.migration.state === 'enrolling' && Date.now() < deadline);
    expect(progress.migration).toMatchObject({ state: 'running', userCount: USERS, currentWave: 1 });
    expect(progress.counts.pending + progress.counts.requested).toBe(USERS);

    // The same key again: the answer remembered, as first given.
    const again = await untilAnswered(() => admin.post(`${T}/migrations`, request, key));
    expect(again.status).toBe(retry.status);
    expect(again.body).toEqual(retry.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await faulty.violations('contoso')).toEqual([]);
  });
});

describe('a request sent again while the first with its key is still being answered', () => {
  it('is answered 409 request-in-progress with Retry-After, and the first carries on alone', { timeout: 300_000 }, async () => {
    const body = { sipUri: 'sip:slow@contoso.com', enterpriseVoiceEnabled: true };
    const key = { headers: { 'idempotency-key': 'slow-user-create' } };
    const before = faulty.proxy.seen('TransactWriteItems').requests;
    // The user's transaction is applied, its answer held back: the first request is in progress meanwhile.
    faulty.proxy.inject('TransactWriteItems', { kind: 'delay-answer', delayMs: 5000 }, { times: 1 });
    const first = admin.post(`${T}/users`, body, key);
    while (faulty.proxy.seen('TransactWriteItems').requests === before) await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await admin.post(`${T}/users`, body, key);
    expect(second.status, JSON.stringify(second.body)).toBe(409);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(second.body).toMatchObject({ code: 'request-in-progress' });
    expect(second.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key', rule: 'idempotency-key-in-progress' })]);
    const answered = await first;
    expect(answered.status, JSON.stringify(answered.body)).toBe(201);
    const third = await untilAnswered(() => admin.post(`${T}/users`, body, key));
    expect(third.status).toBe(201);
    expect(third.body).toEqual(answered.body);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
  });
});
