// Provider events under faults, against a real local provider: down, slow beyond the timeout,
// failing for a while, refusing one event; and a stream processor that dies mid-batch. Every
// event ends delivered or dead-lettered with its reason; none is lost, none gets a second id.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { expectCreated, setUpHostedProviderWithEvents } from '../support/fixtures.js';
import { PROVIDER_SECRET, useProviderServer } from '../support/provider-server.js';
import { useTestService } from '../support/service.js';

const T = '/v1/tenants/contoso';

const provider = useProviderServer();

const context = useTestService(
  async (api) => {
    await setUpHostedProviderWithEvents(api, 'contoso', provider.url, PROVIDER_SECRET);
  },
  { streamProcessor: true, delivery: { timeoutMs: 300, backoffMs: [50, 100] }, allowLoopbackProviders: true },
);
const { api } = context;

/** A hosted Subscriber Access contact: every create/update is an event for the provider. */
const createContact = (name: string, number: number) =>
  expectCreated(
    api.post(`${T}/contacts`, { sipUri: `sip:${name}@contoso.com`, displayNumber: `+1425556${number}`, hostedVoicemailPolicy: 'ExOnline' }),
  );

/** The dead letter about a subject, once it is there (up to 20 s). */
async function deadLetterOf(subject: string) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const letter = (await api.get(`${T}/dead-letters`)).body.items.find((item: { subject: string }) => item.subject === subject);
    if (letter !== undefined || Date.now() > deadline) return letter;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('delivery under faults', () => {
  it('delivers in order, after the provider answered 500 for a while, with one id per event', async () => {
    let failuresLeft = 4;
    provider.behave(() => (failuresLeft-- > 0 ? { status: 500 } : { status: 204 }));
    await createContact('sa-500', 1000);
    await expectCreated(api.patch(`${T}/contacts/sip:sa-500@contoso.com`, { description: 'second' }));
    await provider.waitFor(() => provider.ofType('contact.updated', 'sip:sa-500@contoso.com').length === 1);
    const events = provider.received.filter((event) => event.data.sipUri === 'sip:sa-500@contoso.com');
    expect(events.map((event) => event.type)).toEqual(['contact.created', 'contact.updated']);
    expect(new Set(events.map((event) => event.id)).size).toBe(2);
  });

  it('retries a provider that is down (connection closed) until it is back', async () => {
    let down = true;
    provider.behave(() => (down ? 'close' : { status: 200 }));
    await createContact('sa-down', 2000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(provider.ofType('contact.created', 'sip:sa-down@contoso.com')).toHaveLength(0);
    down = false;
    await provider.waitFor(() => provider.ofType('contact.created', 'sip:sa-down@contoso.com').length === 1);
  });

  it('retries a provider slower than the timeout', async () => {
    let slow = 2;
    provider.behave(() => (slow-- > 0 ? { status: 200, delayMs: 1000 } : { status: 200 }));
    await createContact('sa-slow', 3000);
    await provider.waitFor(() => provider.ofType('contact.created', 'sip:sa-slow@contoso.com').length >= 1);
    // A slow answer may still have been accepted after we gave up on it: the same id, never a new one.
    expect(new Set(provider.ofType('contact.created', 'sip:sa-slow@contoso.com').map((event) => event.id)).size).toBe(1);
  });

  it('dead-letters an event the provider refuses (400) with the reason, and goes on with the others', async () => {
    provider.behave((event) => (event.data.sipUri === 'sip:sa-refused@contoso.com' ? { status: 400 } : { status: 204 }));
    await createContact('sa-refused', 4000);
    await createContact('sa-after', 4001);
    await provider.waitFor(() => provider.ofType('contact.created', 'sip:sa-after@contoso.com').length === 1);
    // The two are processed in parallel: the dead letter may land a moment after the delivery.
    const refused = await deadLetterOf('sip:sa-refused@contoso.com');
    expect(refused).toMatchObject({
      type: 'contact.created',
      providerId: 'exo',
      reason: 'the provider refused the event: HTTP 400',
      lastStatus: 400,
      attempts: 1,
    });
    expect(refused.event.data.sipUri).toBe('sip:sa-refused@contoso.com');
  });

  it('dead-letters after the bounded retries when the provider never recovers', async () => {
    provider.behave((event) => (event.data.sipUri === 'sip:sa-never@contoso.com' ? { status: 503 } : { status: 204 }));
    await createContact('sa-never', 5000);
    const letter = await deadLetterOf('sip:sa-never@contoso.com');
    expect(letter).toMatchObject({ reason: expect.stringContaining('gave up after 8 attempts'), attempts: 8, lastStatus: 503 });
    provider.behave(() => ({ status: 204 }));
  });
});

describe('a stream processor that dies mid-batch', () => {
  const spawnProcessor = async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/stream-processor-process.ts', context.service.dynamoEndpoint, context.service.tableName],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: process.env,
      },
    );
    await once(createInterface({ input: child.stdout }), 'line');
    return child;
  };

  it('loses nothing after a SIGKILL, and re-sends only under the same ids', async () => {
    provider.behave(() => ({ status: 204 }));
    // From now on only the processor in the child process reads the stream.
    await context.service.streamDriver!.stop();
    const names = Array.from({ length: 12 }, (_, index) => `sa-crash${index}`);
    for (const [index, name] of names.entries()) {
      await expectCreated(
        api.post(`${T}/contacts`, {
          sipUri: `sip:${name}@contoso.com`,
          displayNumber: `+1425557${1000 + index}`,
          hostedVoicemailPolicy: 'ExOnline',
        }),
      );
    }
    // Half the deliveries are slow: kill the process while they are in flight.
    const slow = new Set(names.slice(6).map((name) => `sip:${name}@contoso.com`));
    provider.behave((event) => ({ status: 204, ...(slow.has(String(event.data.sipUri)) ? { delayMs: 3_000 } : {}) }));
    const first = await spawnProcessor();
    await provider.waitFor(
      () => names.filter((name) => provider.ofType('contact.created', `sip:${name}@contoso.com`).length > 0).length >= 6,
    );
    first.kill('SIGKILL');
    await once(first, 'exit');
    const deliveredBeforeCrash = names.filter((name) => provider.ofType('contact.created', `sip:${name}@contoso.com`).length > 0).length;
    expect(deliveredBeforeCrash).toBeLessThan(names.length);

    provider.behave(() => ({ status: 204 }));
    const second = await spawnProcessor();
    try {
      await provider.waitFor(
        () => names.every((name) => provider.ofType('contact.created', `sip:${name}@contoso.com`).length >= 1),
        30_000,
      );
      for (const name of names) {
        const copies = provider.ofType('contact.created', `sip:${name}@contoso.com`);
        expect(new Set(copies.map((event) => event.id)).size, name).toBe(1);
      }
    } finally {
      second.kill('SIGTERM');
      await once(second, 'exit');
    }
  });
});
