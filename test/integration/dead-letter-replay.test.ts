// Dead letters replayed and discarded, against a real local provider and the stream processor:
// a replay is sent again under the same event id once the provider is back and its dead letter
// goes; a replay the provider still refuses is dead-lettered again with the new reason (nothing
// lost); replay-all; provisioning events re-applied, or refused when that could undo a newer
// change; discards need a reason; the audit trail records who replayed or discarded what, and why.
import { describe, expect, it } from 'vitest';
import { EventStore } from '../../lib/store/event-store.js';
import { expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import type { ParsedJson } from '../support/json.js';
import { PROVIDER_SECRET, useProviderServer } from '../support/provider-server.js';
import { expectDocumented } from '../support/documented.js';
import { createTenantWithCredentials, useTestService } from '../support/service.js';

const T = '/v1/tenants/contoso';
const provider = useProviderServer();

let tokens: Awaited<ReturnType<typeof createTenantWithCredentials>>;
const context = useTestService(
  async (api) => {
    tokens = await createTenantWithCredentials(api, 'contoso', ['contoso.com']);
    await setUpHostedProvider(api, 'contoso');
    await expectCreated(api.patch(`${T}/hosting-providers/exo`, { eventEndpoint: { url: provider.url, secret: PROVIDER_SECRET } }));
  },
  { streamProcessor: true, delivery: { timeoutMs: 300, backoffMs: [50, 100] }, allowLoopbackProviders: true },
);
const { api } = context;
const userAdmin = () => api.as(tokens['user-admin']);

/** Long enough for a machine three times slower than a laptop: tests wait on conditions, not on time. */
const PATIENCE_MS = 90_000;

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A hosted Subscriber Access contact: its creation is a contact.created event for the provider. */
const createContact = (name: string, number: number) =>
  expectCreated(
    api.post(`${T}/contacts`, { sipUri: `sip:${name}@contoso.com`, displayNumber: `+1425556${number}`, hostedVoicemailPolicy: 'ExOnline' }),
  );

const deadLetters = async (): Promise<ParsedJson[]> => (await api.get(`${T}/dead-letters?limit=500`)).body.items;

/** The dead letter about a subject, once it is there. */
const deadLetterAbout = async (subject: string) =>
  (await eventually(
    async () => (await deadLetters()).find((letter) => letter.subject === subject),
    (letter) => letter !== undefined,
    `a dead letter about ${subject}`,
  ))!;

/** A dead letter as GET answers it: the status and the body. */
const deadLetterById = (id: string) => api.get(`${T}/dead-letters/${id}`);

/** Refuses every event about these SIP addresses with this status; accepts the others. */
const refuse = (status: number, ...sipUris: string[]) =>
  provider.behave((event) => (sipUris.includes(String(event.data.sipUri)) ? { status } : { status: 204 }));

const drained = () => context.service.streamDriver!.drained(PATIENCE_MS);

describe('replaying a provider event', () => {
  it('sends it again once the provider is back: once, under the same event id, signed anew; the dead letter goes', async () => {
    const sipUri = 'sip:sa-replay@contoso.com';
    refuse(400, sipUri);
    await createContact('sa-replay', 1000);
    const letter = await deadLetterAbout(sipUri);
    expect(letter).toMatchObject({ kind: 'provider-event', type: 'contact.created', lastStatus: 400, attempts: 1 });
    expectDocumented('GET', '/v1/tenants/{tenant}/dead-letters', await api.get(`${T}/dead-letters?limit=500`));
    expect(letter.id).toBe(letter.eventId);
    expect(provider.ofType('contact.created', sipUri)).toHaveLength(0);

    provider.behave(() => ({ status: 204 }));
    const askedAt = Math.floor(Date.now() / 1000);
    const replay = await userAdmin().post(`${T}/dead-letters/${letter.id}/replay`, { reason: 'exo fixed its endpoint (INC-1)' });
    expect(replay.status, JSON.stringify(replay.body)).toBe(202);
    expectDocumented('POST', '/v1/tenants/{tenant}/dead-letters/{id}/replay', replay);
    expect(replay.body).toMatchObject({
      id: letter.id,
      replay: { reason: 'exo fixed its endpoint (INC-1)', requestedBy: { role: 'user-admin' } },
    });

    await provider.waitFor(() => provider.ofType('contact.created', sipUri).length === 1, PATIENCE_MS);
    const [delivered] = provider.ofType('contact.created', sipUri);
    expect(delivered!.id).toBe(letter.eventId);
    expect(delivered!.headers['webhook-id']).toBe(letter.eventId);
    expect(Number(delivered!.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(askedAt);
    await eventually(
      () => deadLetterById(letter.id),
      (answer) => answer.status === 404,
      'the dead letter to go',
    );
    await drained();
    expect(provider.ofType('contact.created', sipUri)).toHaveLength(1);
  });

  it('dead-letters it again, with the new reason, when the provider still fails; a later replay delivers it', async () => {
    const sipUri = 'sip:sa-again@contoso.com';
    refuse(400, sipUri);
    await createContact('sa-again', 2000);
    const letter = await deadLetterAbout(sipUri);

    refuse(503, sipUri);
    expect((await userAdmin().post(`${T}/dead-letters/${letter.id}/replay`, { reason: 'try again' })).status).toBe(202);
    // The replay counts attempts of its own (the first delivery's one refusal is not among them): all 8, then a new dead letter.
    const again = await eventually(
      async () => (await deadLetterById(letter.id)).body,
      (body) => body?.replays === 1 && body.replay === undefined,
      'the replay to be dead-lettered again',
    );
    expect(again).toMatchObject({
      id: letter.id,
      eventId: letter.eventId,
      reason: expect.stringContaining('gave up after 8 attempts'),
      attempts: 8,
      lastStatus: 503,
    });
    expect(again.deadLetteredAt > letter.deadLetteredAt).toBe(true);
    // One dead letter for the event, never two and never none.
    await drained();
    expect((await deadLetters()).filter((item) => item.id === letter.id)).toHaveLength(1);

    provider.behave(() => ({ status: 204 }));
    expect((await userAdmin().post(`${T}/dead-letters/${letter.id}/replay`, { reason: 'exo is back' })).status).toBe(202);
    await provider.waitFor(() => provider.ofType('contact.created', sipUri).length === 1, PATIENCE_MS);
    expect(provider.ofType('contact.created', sipUri)[0]!.id).toBe(letter.eventId);
    await eventually(
      () => deadLetterById(letter.id),
      (answer) => answer.status === 404,
      'the dead letter to go',
    );
  });

  it('replays all of them, oldest first, after a dry run that counts them and writes nothing', async () => {
    const names = ['sa-all1', 'sa-all2', 'sa-all3'];
    const sipUris = names.map((name) => `sip:${name}@contoso.com`);
    const from = new Date().toISOString();
    refuse(400, ...sipUris);
    for (const [index, name] of names.entries()) {
      await createContact(name, 3000 + index);
      await deadLetterAbout(sipUris[index]!);
    }
    const letters = (await deadLetters()).filter((letter) => sipUris.includes(String(letter.subject)));

    const dryRun = await userAdmin().post(`${T}/dead-letters/replay?dryRun=true`, { reason: 'outage over', kind: 'provider-event', from });
    expect(dryRun.status).toBe(200);
    expect(dryRun.body).toMatchObject({ dryRun: true, matched: 3, remaining: 0, skipped: [] });
    expect(dryRun.body.queued.map((letter: ParsedJson) => letter.subject)).toEqual(sipUris);
    expect(dryRun.body.queued.map((letter: ParsedJson) => letter.replayId)).toEqual([null, null, null]);
    for (const letter of letters) expect((await deadLetterById(letter.id)).body.replay).toBeUndefined();

    provider.behave(() => ({ status: 204 }));
    const replayed = await userAdmin().post(`${T}/dead-letters/replay`, { reason: 'outage over', kind: 'provider-event', from });
    expect(replayed.status, JSON.stringify(replayed.body)).toBe(202);
    expectDocumented('POST', '/v1/tenants/{tenant}/dead-letters/replay', replayed);
    expect(replayed.body).toMatchObject({ dryRun: false, matched: 3, remaining: 0 });
    expect(replayed.body.queued.map((letter: ParsedJson) => letter.id)).toEqual([...letters].reverse().map((letter) => letter.id));
    for (const queued of replayed.body.queued)
      expect((await deadLetterById(queued.id)).body.replay?.id ?? queued.replayId).toBe(queued.replayId);
    // The same request again queues nothing twice: those queued are skipped until carried out (or gone already).
    const again = await userAdmin().post(`${T}/dead-letters/replay`, { reason: 'outage over', kind: 'provider-event', from });
    expect(again.body.queued.filter((letter: ParsedJson) => letters.some((queued) => queued.id === letter.id))).toEqual([]);

    await provider.waitFor(() => sipUris.every((sipUri) => provider.ofType('contact.created', sipUri).length === 1), PATIENCE_MS);
    for (const letter of letters) {
      expect(provider.ofType('contact.created', String(letter.subject)).map((event) => event.id)).toEqual([letter.eventId]);
      await eventually(
        () => deadLetterById(letter.id),
        (answer) => answer.status === 404,
        `dead letter ${letter.id} to go`,
      );
    }
  });
});

describe('discarding', () => {
  it('needs a reason, then removes the dead letter for good', async () => {
    const sipUri = 'sip:sa-discard@contoso.com';
    refuse(400, sipUri);
    await createContact('sa-discard', 4000);
    const letter = await deadLetterAbout(sipUri);
    provider.behave(() => ({ status: 204 }));

    const without = await userAdmin().post(`${T}/dead-letters/${letter.id}/discard`, {});
    expect(without.status).toBe(400);
    expect(without.body.errors[0]).toMatchObject({ field: 'reason' });
    expect((await userAdmin().post(`${T}/dead-letters/${letter.id}/discard`, { reason: '   ' })).body.errors[0].field).toBe('reason');
    expect((await deadLetterById(letter.id)).status).toBe(200);

    const discarded = await userAdmin().post(`${T}/dead-letters/${letter.id}/discard`, { reason: 'contact removed on the provider side' });
    expect(discarded.status).toBe(200);
    expectDocumented('POST', '/v1/tenants/{tenant}/dead-letters/{id}/discard', discarded);
    expect(discarded.body).toMatchObject({ id: letter.id, subject: sipUri });
    expect((await deadLetterById(letter.id)).status).toBe(404);
    expect((await userAdmin().post(`${T}/dead-letters/${letter.id}/discard`, { reason: 'again' })).status).toBe(404);
    expect((await userAdmin().post(`${T}/dead-letters/${letter.id}/replay`, { reason: 'too late' })).status).toBe(404);
    await drained();
    expect(provider.ofType('contact.created', sipUri)).toHaveLength(0);
  });
});

describe('the audit trail', () => {
  it('records who replayed and who discarded which dead letter, when and why', async () => {
    await drained();
    const trail = (await api.get(`${T}/audit?objectType=dead-letter&limit=500`)).body.items as ParsedJson[];
    const userAdminId = (await api.get(`${T}/credentials`)).body.items.find((c: ParsedJson) => c.role === 'user-admin').id;
    const discard = trail.find((record) => record.action === 'discard');
    expect(discard).toMatchObject({
      objectType: 'dead-letter',
      actor: { credentialId: userAdminId, role: 'user-admin' },
      reason: 'contact removed on the provider side',
      before: { subject: 'sip:sa-discard@contoso.com' },
      after: null,
    });
    const replay = trail.find((record) => record.action === 'replay' && record.reason === 'exo fixed its endpoint (INC-1)');
    expect(replay).toMatchObject({
      objectType: 'dead-letter',
      actor: { credentialId: userAdminId, role: 'user-admin' },
      changedFields: ['replay'],
      before: { subject: 'sip:sa-replay@contoso.com' },
      after: { replay: { reason: 'exo fixed its endpoint (INC-1)' } },
    });
    expect(replay!.before.replay).toBeUndefined();
    // A replay-all is one record per dead letter it queued.
    expect(trail.filter((record) => record.action === 'replay' && record.reason === 'outage over')).toHaveLength(3);
    expect((await api.get(`${T}/audit?objectId=${encodeURIComponent(String(discard!.objectId))}`)).body.items).toHaveLength(1);
  });
});

describe('replaying a provisioning event', () => {
  const provision = (...events: object[]) => userAdmin().post(`${T}/provisioning-events`, { events });
  const upsert = (id: string, user: object) => ({
    id,
    'detail-type': 'user.upserted',
    source: 'hr',
    detail: { schemaVersion: '1', tenantId: 'contoso', user },
  });
  const provisioningLetterOf = async (eventId: string) =>
    (await eventually(
      async () => (await deadLetters()).find((letter) => letter.eventId === eventId),
      (letter) => letter !== undefined,
      `the dead letter of ${eventId}`,
    ))!;

  it('applies it again once what refused it is fixed, as the person who replayed it', async () => {
    await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:holder@contoso.com', lineUri: 'tel:+14255559001' }));
    const results = (await provision(upsert('hr-1', { sipUri: 'sip:newhire@contoso.com', lineUri: 'tel:+14255559001' }))).body.results;
    expect(results).toMatchObject([{ outcome: 'dead-lettered' }]);
    const letter = await provisioningLetterOf('hr-1');
    expect(letter.kind).toBe('provisioning-event');

    await expectCreated(api.patch(`${T}/users/sip:holder@contoso.com`, { lineUri: 'tel:+14255559002' }));
    expect((await userAdmin().post(`${T}/dead-letters/${letter.id}/replay`, { reason: 'number freed' })).status).toBe(202);
    const user = await eventually(
      () => api.get(`${T}/users/sip:newhire@contoso.com`),
      (answer) => answer.status === 200,
      'the user to be created',
    );
    expect(user.body).toMatchObject({ lineUri: 'tel:+14255559001', modifiedBy: { role: 'user-admin' } });
    await eventually(
      () => deadLetterById(letter.id),
      (answer) => answer.status === 404,
      'the dead letter to go',
    );
  });

  it('refuses a replay that could undo a newer change of the user, and one of text that is not JSON', async () => {
    await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:changed@contoso.com', displayName: 'Old' }));
    await provision(upsert('hr-2', { sipUri: 'sip:changed@contoso.com', displayName: 'From HR', hostedVoicemailPolicy: 'Missing' }));
    const letter = await provisioningLetterOf('hr-2');
    await expectCreated(api.patch(`${T}/users/sip:changed@contoso.com`, { displayName: 'Newer' }));
    const refused = await userAdmin().post(`${T}/dead-letters/${letter.id}/replay`, { reason: 'policy created' });
    expect(refused.status).toBe(409);
    expect(refused.body.errors[0]).toMatchObject({ field: 'id', rule: 'provisioning-event-not-stale' });
    expect(refused.body.detail).toContain('sip:changed@contoso.com changed at');

    // What the provisioning function keeps when a message is not JSON (no HTTP route can send one).
    await new EventStore(context.service.store.table).putDeadLetter('contoso', {
      id: 'text-not-json',
      kind: 'provisioning-event',
      eventId: 'unknown',
      type: 'unknown',
      providerId: null,
      subject: 'body',
      reason: 'the event is not JSON',
      attempts: 1,
      lastStatus: 400,
      deadLetteredAt: new Date().toISOString(),
      event: '{"id": "truncated',
    });
    const notJson = await userAdmin().post(`${T}/dead-letters/text-not-json/replay`, { reason: 'try' });
    expect(notJson.status).toBe(409);
    expect(notJson.body.errors[0]).toMatchObject({ field: 'id', rule: 'replayable' });
    const all = await userAdmin().post(`${T}/dead-letters/replay?dryRun=true`, { reason: 'all', kind: 'provisioning-event' });
    expect(all.body.skipped.map((skip: ParsedJson) => skip.id)).toEqual(expect.arrayContaining([letter.id, 'text-not-json']));
    expect(all.body.queued).toEqual([]);
  });
});
