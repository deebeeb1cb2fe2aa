// DynamoDB Local killed (SIGKILL) under a load of resolves and writes, then restarted on the same
// port with the same data: during the outage the service answers 503 with Retry-After, never
// hangs nor crashes; after the restart, with the service untouched, every resolve started 2 s
// after DynamoDB Local answered again answers 200, even when the store then pauses for longer
// than one attempt's timeout (the outage left the client's retry quota intact: see
// lib/store/retry-strategy.ts); and the stream processor resumes where it was: no acknowledged
// write goes without its audit record, and a write after recovery reaches the provider.
import { mkdtempSync, rmSync } from 'node:fs';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local.js';
import { startLocalService, type LocalService } from '../../local/local-service.js';
import { createDynamoClient, DEFAULT_MAX_ATTEMPTS, DEFAULT_REQUEST_TIMEOUT_MS } from '../../lib/store/client.js';
import { scanTable } from '../support/table-scan.js';
import { createTenant, expectCreated, setUpHostedProviderWithEvents } from '../support/fixtures.js';
import { PROVIDER_SECRET, useProviderServer } from '../support/provider-server.js';
import { apiClient, OPERATOR_TOKEN, type Answer, type ApiClient, testDynamoClient } from '../support/service.js';
import { storeViolations } from '../support/store-invariants.js';
import type { ParsedJson } from '../support/json.js';

const T = '/v1/tenants/contoso';
const TABLE = 'restart';
/** The client's budget (lib/store/client.ts) and a margin: no request may take longer. */
const REQUEST_BOUND_MS = DEFAULT_MAX_ATTEMPTS * DEFAULT_REQUEST_TIMEOUT_MS + 1_500;
/** From DynamoDB Local answering a read of the table again to every resolve answering 200 (docs/reliability.md). */
const RECOVERY_BOUND_MS = 2_000;
const RESOLVE_LOOPS = 4;
/**
 * Resolves sent while the restarted store pauses, one per tenant of their own: each reads its
 * tenant's configuration (concurrent resolves of one tenant would share that read), so as many
 * reads time out as there are resolves, more retries than an emptied quota refilled in 2 s.
 */
const BURST = 8;

interface Sample {
  startedAt: number;
  ms: number;
  /** The HTTP status, or 0 when no answer came at all (the service crashed or hung up). */
  status: number;
  retryAfter: string | null;
  body: ParsedJson;
}

/** Runs `call` in `concurrency` loops until stopped, recording every answer. */
function startLoad(call: () => Promise<Answer>, concurrency: number, pauseMs = 0) {
  const samples: Sample[] = [];
  let running = true;
  const loop = async () => {
    while (running) {
      const startedAt = Date.now();
      const answer = await call().catch(() => undefined);
      samples.push({
        startedAt,
        ms: Date.now() - startedAt,
        status: answer?.status ?? 0,
        retryAfter: answer?.headers.get('retry-after') ?? null,
        body: answer?.body,
      });
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    samples,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return samples;
    },
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 90_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now();
}

const provider = useProviderServer();
const dataDirectory = mkdtempSync(join(tmpdir(), 'exum-restart-'));
let dynamo: DynamoDbLocal | undefined;
let service: LocalService | undefined;
let api: ApiClient;
let gateway: ApiClient;
/** A gateway of each burst tenant. */
const burstGateways: ApiClient[] = [];

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ dataDirectory });
  service = await startLocalService({
    port: 0,
    tableName: TABLE,
    operatorToken: OPERATOR_TOKEN,
    dynamoEndpoint: dynamo.endpoint,
    logLevel: 'SILENT',
    configCacheMs: 0,
    streamProcessor: true,
    delivery: { backoffMs: [50, 100] },
    allowLoopbackProviders: true,
  });
  api = apiClient(service);
  await setUpHostedProviderWithEvents(api, 'contoso', provider.url, PROVIDER_SECRET);
  await expectCreated(
    api.post(`${T}/users`, {
      sipUri: 'sip:alice@contoso.com',
      lineUri: 'tel:+14255550100',
      enterpriseVoiceEnabled: true,
      hostedVoicemailPolicy: 'ExOnline',
      hostedVoicemail: { admin: true },
    }),
  );
  await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:writer@contoso.com', lineUri: 'tel:+14255550101' }));
  gateway = api.as((await expectCreated(api.post(`${T}/credentials`, { role: 'gateway', name: 'gw' }))).token);
  for (let index = 0; index < BURST; index++) {
    await createTenant(api, `burst${index}`);
    const credential = await expectCreated(api.post(`/v1/tenants/burst${index}/credentials`, { role: 'gateway', name: 'gw' }));
    const burstGateway = api.as(credential.token);
    // A tenant with nothing configured still answers (a reject decision): its resolves are 200.
    const answer = await burstGateway.post('/v1/resolve', { target: 'tel:+14255550100' });
    if (answer.status !== 200) throw new Error(`resolve for burst${index}: ${answer.status} ${JSON.stringify(answer.body)}`);
    burstGateways.push(burstGateway);
  }
  // Counts the store client's attempts that timed out (each attempt passes this step, retries included).
  service.dynamoClient.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if ((error as Error).name === 'TimeoutError') timedOutAttempts++;
        throw error;
      }
    },
    { step: 'deserialize', name: 'countTimedOutAttempts' },
  );
});
let timedOutAttempts = 0;

/** Resolves when DynamoDB Local answers a read of the table: the moment the store is back. */
async function storeAnswers(endpoint: string): Promise<number> {
  const probe = createDynamoClient({ endpoint, maxAttempts: 1, requestTimeoutMs: 1_000 });
  try {
    for (;;) {
      try {
        await probe.send(new DescribeTableCommand({ TableName: TABLE }));
        return Date.now();
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  } finally {
    probe.destroy();
  }
}

afterAll(async () => {
  await service?.stop();
  await dynamo?.stop();
  rmSync(dataDirectory, { recursive: true, force: true });
});

describe('DynamoDB Local killed and restarted under load', () => {
  it('answers 503 during the outage, 200 from 2 s after the store answers again, and the stream resumes', async () => {
    const inFlight = Array.from({ length: 5 }, (_, index) => `sip:in-flight${index}@contoso.com`);
    const resolve = () => gateway.post('/v1/resolve', { target: 'tel:+14255550100' });
    const resolves = startLoad(resolve, RESOLVE_LOOPS);
    let writes = 0;
    const writer = startLoad(() => api.patch(`${T}/users/sip:writer@contoso.com`, { displayName: `write ${++writes}` }), 1, 100);
    let samples: Sample[];
    let answeredAt = 0;
    let burst: Sample[];
    try {
      await until(() => resolves.samples.filter((sample) => sample.status === 200).length >= 20, 'the load runs');
      // Events in flight when DynamoDB dies: the provider is slow, so their batch is still open.
      provider.behave(() => ({ status: 204, delayMs: 300 }));
      for (const sipUri of inFlight)
        await expectCreated(
          api.post(`${T}/contacts`, {
            sipUri,
            displayNumber: `+1425556${1000 + inFlight.indexOf(sipUri)}`,
            hostedVoicemailPolicy: 'ExOnline',
          }),
        );
      await provider.waitFor(() => provider.received.length > 0);
      const { port, pid } = dynamo!;
      process.kill(pid!, 'SIGKILL');
      const killedAt = Date.now();
      await until(
        () => resolves.samples.filter((sample) => sample.startedAt > killedAt && sample.status === 503).length >= 20,
        'the outage is answered',
      );
      const answered = storeAnswers(`http://127.0.0.1:${port}`);
      dynamo = await startDynamoDbLocal({ dataDirectory, port });
      answeredAt = await answered;
      await until(
        () => resolves.samples.filter((sample) => sample.startedAt >= answeredAt + RECOVERY_BOUND_MS).length >= 20,
        'resolves run past the bound',
      );
      // The restarted store pauses (as a garbage collection or a busy machine pauses it) past one
      // attempt's timeout, with a burst of resolves in flight: each attempt that timed out is
      // retried, and answered once the store goes on. Before retry-strategy.ts, the outage had
      // emptied the retry quota and its refill was too slow: these resolves answered 503.
      const timedOutBefore = timedOutAttempts;
      process.kill(dynamo.pid!, 'SIGSTOP');
      let bursting: Promise<Sample[]>;
      try {
        bursting = Promise.all(
          burstGateways.map(async (burstGateway) => {
            const startedAt = Date.now();
            const answer = await burstGateway.post('/v1/resolve', { target: 'tel:+14255550100' }).catch(() => undefined);
            return { startedAt, ms: Date.now() - startedAt, status: answer?.status ?? 0, retryAfter: null, body: answer?.body };
          }),
        );
        await until(() => timedOutAttempts - timedOutBefore >= BURST, 'attempts time out on the paused store');
      } finally {
        process.kill(dynamo.pid!, 'SIGCONT');
      }
      const resumedAt = Date.now();
      burst = await bursting;
      await until(
        () => resolves.samples.filter((sample) => sample.startedAt > resumedAt && sample.status === 200).length >= 20,
        'the load runs again',
      );
    } finally {
      samples = await resolves.stop();
      await writer.stop();
    }

    // The outage is answered, never hung up on: 503 with Retry-After, within the client's budget.
    expect(samples.filter((sample) => sample.status !== 200 && sample.status !== 503)).toEqual([]);
    expect(
      samples.filter((sample) => sample.status === 503 && (sample.retryAfter !== '1' || sample.body?.code !== 'store-unavailable')),
    ).toEqual([]);
    expect(Math.max(...samples.map((sample) => sample.ms))).toBeLessThan(REQUEST_BOUND_MS);
    // Recovered by itself, and for good: every resolve started 2 s after the store answered again
    // is a 200, through the pause and the burst sent into it included.
    const late = (sample: Sample) => sample.startedAt >= answeredAt + RECOVERY_BOUND_MS;
    expect(samples.filter((sample) => late(sample) && sample.status !== 200)).toEqual([]);
    expect(burst.filter((sample) => sample.status !== 200)).toEqual([]);
    expect(writer.samples.filter((sample) => sample.status !== 200 && sample.status !== 503)).toEqual([]);
    expect(writer.samples.filter((sample) => late(sample) && sample.status !== 200)).toEqual([]);

    // The stream processor resumes: events in flight at the crash arrive (under one id each), every
    // acknowledged write is audited, and a write after recovery reaches the provider.
    provider.behave(() => ({ status: 204 }));
    // DynamoDB Local may lose the last writes it acknowledged before a SIGKILL (item and stream
    // record both gone; seen in about 1 run in 3 when the kill follows them closely): DynamoDB does
    // not, and nothing of ours can deliver what the store no longer has. Counted: the contacts still there.
    const surviving: string[] = [];
    for (const sipUri of inFlight) if ((await api.get(`${T}/contacts/${sipUri}`)).status === 200) surviving.push(sipUri);
    expect(surviving.length, 'the contacts written well before the kill survive it').toBeGreaterThan(0);
    await provider.waitFor(() => surviving.every((sipUri) => provider.ofType('contact.created', sipUri).length > 0));
    for (const sipUri of surviving)
      expect(new Set(provider.ofType('contact.created', sipUri).map((event) => event.id)).size, sipUri).toBe(1);
    const acknowledged = writer.samples.filter((sample) => sample.status === 200).map((sample) => sample.body.version as number);
    await expectCreated(
      api.post(`${T}/contacts`, { sipUri: 'sip:after@contoso.com', displayNumber: '+14255550199', hostedVoicemailPolicy: 'ExOnline' }),
    );
    await provider.waitFor(() => provider.ofType('contact.created', 'sip:after@contoso.com').length === 1);
    await service!.streamDriver!.drained(20_000);
    const direct = testDynamoClient(dynamo.endpoint);
    try {
      const items = await scanTable(direct, TABLE);
      const auditedVersions = new Set(
        items
          .filter((item) => item.entity === 'audit' && item.objectId === 'sip:writer@contoso.com')
          .map((item) => (item.after as { version: number }).version),
      );
      expect(acknowledged.filter((version) => !auditedVersions.has(version))).toEqual([]);
      expect(await storeViolations(direct, TABLE, 'contoso')).toEqual([]);
    } finally {
      direct.destroy();
    }
  });
});
