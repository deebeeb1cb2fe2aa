// The stream processor under DynamoDB faults (test/support/fault-proxy.ts): its stream reads
// (DescribeStream, GetRecords, GetShardIterator) and its own writes (audit records, settled
// markers, checkpoints) throttled, failing, hanging or losing their answers. Once the faults are
// gone, every provider event arrives (at least once, one id per event) and every audit record
// is written, once.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_REQUEST_TIMEOUT_MS } from '../../lib/store/client.js';
import { expectCreated, setUpHostedProviderWithEvents } from '../support/fixtures.js';
import { useFaultyService } from '../support/faulty-service.js';
import { PROVIDER_SECRET, useProviderServer } from '../support/provider-server.js';

const T = '/v1/tenants/contoso';

const provider = useProviderServer();
const context = useFaultyService((api) => setUpHostedProviderWithEvents(api, 'contoso', provider.url, PROVIDER_SECRET), {
  streamProcessor: true,
  delivery: { backoffMs: [50, 100] },
  allowLoopbackProviders: true,
});
const { api } = context;

/** Hosted Subscriber Access contacts: each creation is a contact.created event and an audit record. */
async function createContacts(prefix: string, count: number, firstNumber: number): Promise<string[]> {
  const sipUris: string[] = [];
  for (let index = 0; index < count; index++) {
    const sipUri = `sip:${prefix}${index}@contoso.com`;
    await expectCreated(
      api.post(`${T}/contacts`, { sipUri, displayNumber: `+1425556${firstNumber + index}`, hostedVoicemailPolicy: 'ExOnline' }),
    );
    sipUris.push(sipUri);
  }
  return sipUris;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const createdEventsOf = (sipUri: string) => provider.ofType('contact.created', sipUri);

/** Every contact's event arrived, each under a single id however often it was sent. */
async function expectEachDeliveredUnderOneId(sipUris: readonly string[]): Promise<void> {
  await provider.waitFor(() => sipUris.every((sipUri) => createdEventsOf(sipUri).length > 0));
  for (const sipUri of sipUris) expect(new Set(createdEventsOf(sipUri).map((event) => event.id)).size, sipUri).toBe(1);
}

/** Every contact's creation is in the audit trail exactly once (read past the proxy). */
async function expectEachAuditedOnce(sipUris: readonly string[]): Promise<void> {
  const auditsOf = async () => (await context.items()).filter((item) => item.entity === 'audit' && item.action === 'create');
  await until(async () => {
    const audits = await auditsOf();
    return sipUris.every((sipUri) => audits.some((audit) => audit.objectId === sipUri));
  }, 'every contact is audited');
  const audits = await auditsOf();
  for (const sipUri of sipUris)
    expect(
      audits.filter((audit) => audit.objectId === sipUri),
      sipUri,
    ).toHaveLength(1);
}

describe('the stream processor under DynamoDB faults', () => {
  it('holds events back while its stream reads fail, and loses none of them', async () => {
    const { proxy } = context;
    const before = { reads: proxy.seen('GetRecords').faulted, describes: proxy.seen('DescribeStream').faulted };
    proxy.inject('GetRecords', { kind: 'throttling' });
    let sipUris: string[];
    try {
      // The driver reads one request at a time: once one read is throttled, none from before is still out.
      await until(() => proxy.seen('GetRecords').faulted > before.reads, 'a stream read is throttled');
      sipUris = await createContacts('held', 3, 1000);
      proxy.inject('DescribeStream', { kind: 'internal-server-error' }, { times: 2 * DEFAULT_MAX_ATTEMPTS });
      await until(
        () => proxy.seen('DescribeStream').faulted === before.describes + 2 * DEFAULT_MAX_ATTEMPTS,
        'DescribeStream has failed a while',
      );
      expect(sipUris.flatMap(createdEventsOf)).toEqual([]);
    } finally {
      proxy.clear();
    }
    await expectEachDeliveredUnderOneId(sipUris);
    await expectEachAuditedOnce(sipUris);
  });

  it('retries a batch whose own writes fail (audits answered lost, settled reads, re-positioning, checkpoint)', async () => {
    const { proxy } = context;
    const before = Object.fromEntries(
      ['BatchWriteItem', 'BatchGetItem', 'GetShardIterator', 'PutItem'].map((operation) => [operation, proxy.seen(operation).faulted]),
    );
    // Audit records written, the answer lost: the batch fails and its records come back.
    proxy.inject('BatchWriteItem', { kind: 'lose-answer' }, { times: 3 });
    // The bulk read of settled markers fails: the batch fails again.
    proxy.inject('BatchGetItem', { kind: 'internal-server-error' }, { times: 3 });
    // Going back to the first failed record fails: the driver starts over from its checkpoint.
    proxy.inject('GetShardIterator', { kind: 'internal-server-error' }, { times: 3 });
    // The checkpoint after the batch is throttled: the batch is read again; its settled events are not resent.
    proxy.inject('PutItem', { kind: 'throttling' }, { times: 3 });
    try {
      const sipUris = await createContacts('retried', 3, 2000);
      await expectEachDeliveredUnderOneId(sipUris);
      await context.service.streamDriver!.drained(20_000);
      for (const [operation, faulted] of Object.entries(before)) expect(proxy.seen(operation).faulted, operation).toBeGreaterThan(faulted);
      // Marked settled before the checkpoint failed: the batch read again did not send them again.
      for (const sipUri of sipUris) expect(createdEventsOf(sipUri), sipUri).toHaveLength(1);
      await expectEachAuditedOnce(sipUris);
    } finally {
      proxy.clear();
    }
  });

  it('sends an event again, under the same id, when its settled marker was lost and its batch came back', async () => {
    const { proxy } = context;
    // The batch's audit write passes; its settled-marker write is throttled on every attempt.
    proxy.inject('BatchWriteItem', { kind: 'throttling' }, { after: 1, times: DEFAULT_MAX_ATTEMPTS });
    // Then its checkpoint fails, so the batch is read again.
    proxy.inject('PutItem', { kind: 'throttling' }, { times: DEFAULT_MAX_ATTEMPTS });
    try {
      const [sipUri] = await createContacts('unmarked', 1, 5000);
      await provider.waitFor(() => createdEventsOf(sipUri!).length >= 2);
      expect(new Set(createdEventsOf(sipUri!).map((event) => event.id)).size).toBe(1);
      await expectEachAuditedOnce([sipUri!]);
    } finally {
      proxy.clear();
    }
  });

  it('retries a batch whose audit write hangs, once the write gives up', async () => {
    const { proxy } = context;
    const before = proxy.seen('BatchWriteItem').faulted;
    // Every attempt of one write hangs: only the client's timeout can end it.
    proxy.inject('BatchWriteItem', { kind: 'hang' }, { times: DEFAULT_MAX_ATTEMPTS });
    try {
      const sipUris = await createContacts('slow-audit', 1, 4000);
      await expectEachDeliveredUnderOneId(sipUris);
      await expectEachAuditedOnce(sipUris);
      expect(proxy.seen('BatchWriteItem').faulted).toBeGreaterThan(before);
    } finally {
      proxy.clear();
    }
  });

  it('gives up on a GetRecords that hangs, and reads on once DynamoDB answers', async () => {
    const { proxy } = context;
    const before = proxy.seen('GetRecords').faulted;
    proxy.inject('GetRecords', { kind: 'hang' });
    let sipUris: string[];
    try {
      sipUris = await createContacts('hung', 1, 3000);
      // A second hung read means the first was abandoned: the driver is not stuck on it.
      await until(
        () => proxy.seen('GetRecords').faulted >= before + 2,
        'a hung GetRecords is abandoned',
        2 * DEFAULT_REQUEST_TIMEOUT_MS + 2_000,
      );
    } finally {
      proxy.clear();
    }
    const cleared = Date.now();
    await expectEachDeliveredUnderOneId(sipUris);
    // At worst the read in flight uses up its attempts before the next one gets through.
    expect(Date.now() - cleared).toBeLessThan(DEFAULT_MAX_ATTEMPTS * DEFAULT_REQUEST_TIMEOUT_MS + 3_000);
    await expectEachAuditedOnce(sipUris);
  });
});
