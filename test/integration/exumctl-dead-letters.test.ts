// exumctl's dead-letters and audit commands against a service whose stream processor delivers to
// a real local provider: list, replay one or all (--wait says how each ended, exit 7 when some
// failed again), discard with a reason, and the audit trail with before and after side by side.
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/exit-codes.js';
import { exumctlAt } from '../support/exumctl.js';
import { expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import type { ParsedJson } from '../support/json.js';
import { PROVIDER_SECRET, useProviderServer } from '../support/provider-server.js';
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
const url = () => context.service.url;
const asUserAdmin = (args: string[]) => exumctlAt(url, tokens['user-admin'], 'contoso')(args);
const asReader = (args: string[]) => exumctlAt(url, tokens.reader, 'contoso')(args);
const json = (stdout: string) => JSON.parse(stdout);

/** Long enough for a machine three times slower than a laptop: tests wait on conditions, not on time. */
const PATIENCE_MS = 90_000;

/** Refuses every event about these SIP addresses with this status; accepts the others. */
const refuse = (status: number, ...sipUris: string[]) =>
  provider.behave((event) => (sipUris.includes(String(event.data.sipUri)) ? { status } : { status: 204 }));

/** A hosted contact refused by the provider: its contact.created event is dead-lettered at once. Answers the dead letter. */
async function deadLetteredContact(name: string, number: number): Promise<ParsedJson> {
  const sipUri = `sip:${name}@contoso.com`;
  refuse(400, sipUri);
  await expectCreated(api.post(`${T}/contacts`, { sipUri, displayNumber: `+1425557${number}`, hostedVoicemailPolicy: 'ExOnline' }));
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const letter = (await api.get(`${T}/dead-letters`)).body.items.find((item: ParsedJson) => item.subject === sipUri);
    if (letter !== undefined) return letter;
    if (Date.now() > deadline) throw new Error(`no dead letter about ${sipUri}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('exumctl dead-letters', () => {
  it('lists them, and replays one with --wait once the provider is back: exit 0, sent under the same event id', async () => {
    const letter = await deadLetteredContact('cli-one', 1001);
    const list = await asReader(['dead-letters', 'list', '--provider', 'exo']);
    expect(list.code).toBe(EXIT.ok);
    expect(list.stdout).toMatch(/^ID\s+KIND\s+TYPE\s+PROVIDER\s+SUBJECT/);
    expect(list.stdout).toContain(letter.id);
    expect(json((await asReader(['dead-letters', 'list', '-o', 'json'])).stdout).map((item: ParsedJson) => item.id)).toContain(letter.id);
    expect((await asReader(['dead-letters', 'list', '--kind', 'provisioning-event', '-o', 'json'])).stdout.trim()).toBe('[]');

    provider.behave(() => ({ status: 204 }));
    const run = await asUserAdmin(['dead-letters', 'replay', letter.id, '--reason', 'exo is back', '--wait', '--interval', '0.2']);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stdout).toMatch(new RegExp(`${letter.id}\\s+delivered or applied; dead letter gone`));
    expect(provider.ofType('contact.created', 'sip:cli-one@contoso.com').map((event) => event.id)).toEqual([letter.eventId]);
  });

  it('replays all after a dry run; --wait exits 7 when some are dead-lettered again, naming the new reason', async () => {
    const first = await deadLetteredContact('cli-all1', 2001);
    const second = await deadLetteredContact('cli-all2', 2002);

    const dryRun = await asUserAdmin(['dead-letters', 'replay', '--all', '--reason', 'outage over', '--dry-run']);
    expect(dryRun.code).toBe(EXIT.ok);
    expect(dryRun.stderr).toMatch(/dry run, nothing written: would queue 2 of 2 dead letters/);
    expect(dryRun.stdout).toContain(first.id);
    expect((await api.get(`${T}/dead-letters/${first.id}`)).body.replay).toBeUndefined();

    // The first is accepted now; the second still fails, and is given up on after its 8 attempts.
    refuse(503, 'sip:cli-all2@contoso.com');
    const run = await asUserAdmin(['dead-letters', 'replay', '--all', '--reason', 'outage over', '--wait', '--interval', '0.2']);
    expect(run.code, run.stderr).toBe(EXIT.partial);
    expect(run.stdout).toMatch(new RegExp(`${first.id}\\s+delivered or applied`));
    expect(run.stdout).toMatch(new RegExp(`${second.id}\\s+failed again\\s+gave up after 8 attempts`));
    const again = json((await asReader(['dead-letters', 'get', second.id, '-o', 'json'])).stdout);
    expect(again).toMatchObject({ id: second.id, replays: 1, lastStatus: 503 });
  });

  it('refuses a replay or a discard without a reason, or naming nothing, before calling the service (exit 2)', async () => {
    expect((await asUserAdmin(['dead-letters', 'replay', 'evt_x'])).code).toBe(EXIT.usage);
    expect((await asUserAdmin(['dead-letters', 'replay', '--reason', 'why'])).code).toBe(EXIT.usage);
    expect((await asUserAdmin(['dead-letters', 'replay', 'evt_x', '--all', '--reason', 'why'])).code).toBe(EXIT.usage);
    expect((await asUserAdmin(['dead-letters', 'replay', 'evt_x', '--provider', 'exo', '--reason', 'why'])).code).toBe(EXIT.usage);
    expect((await asUserAdmin(['dead-letters', 'discard', 'evt_x'])).code).toBe(EXIT.usage);
  });

  it('discards one with a reason; a reader may not (exit 5); gone afterwards (exit 4)', async () => {
    const letter = await deadLetteredContact('cli-discard', 3001);
    provider.behave(() => ({ status: 204 }));
    expect((await asReader(['dead-letters', 'discard', letter.id, '--reason', 'no'])).code).toBe(EXIT.denied);
    const run = await asUserAdmin(['dead-letters', 'discard', letter.id, '--reason', 'contact gone at the provider', '-o', 'json']);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(json(run.stdout)).toMatchObject({ id: letter.id, subject: 'sip:cli-discard@contoso.com' });
    const gone = await asReader(['dead-letters', 'get', letter.id]);
    expect(gone.code).toBe(EXIT.notFound);
  });
});

describe('exumctl audit', () => {
  it('shows who replayed or discarded which dead letter and why, and each changed field before and after', async () => {
    await context.service.streamDriver!.drained(PATIENCE_MS);
    const discards = await asReader(['audit', '--object-type', 'dead-letter', '-o', 'json']);
    expect(discards.code, discards.stderr).toBe(EXIT.ok);
    const records = json(discards.stdout) as ParsedJson[];
    expect(records.find((record) => record.action === 'discard')).toMatchObject({
      reason: 'contact gone at the provider',
      actor: { role: 'user-admin' },
      before: { subject: 'sip:cli-discard@contoso.com' },
    });
    expect(records.filter((record) => record.action === 'replay').map((record) => record.reason)).toEqual(
      expect.arrayContaining(['exo is back', 'outage over']),
    );

    const table = await asReader(['audit', '--object-type', 'dead-letter', '--limit', '2']);
    expect(table.stdout).toMatch(/^TIME\s+WHO\s+ACTION\s+OBJECT\s+FIELD\s+BEFORE\s+AFTER\s+REASON/);
    expect(table.stdout).toMatch(/discard\s+dead-letter \S+\s+attempts\s+1\s+-\s+contact gone at the provider/);

    await expectCreated(api.patch(`${T}/contacts/sip:cli-discard@contoso.com`, { description: 'after' }));
    await context.service.streamDriver!.drained(PATIENCE_MS);
    const update = await asReader(['audit', '--object', 'sip:cli-discard@contoso.com', '--limit', '1']);
    expect(update.stdout).toMatch(/update\s+contact sip:cli-discard@contoso\.com\s+description\s+-\s+after/);
    expect((await asReader(['audit', '--from', 'yesterday'])).code).toBe(EXIT.refused);
  });
});
