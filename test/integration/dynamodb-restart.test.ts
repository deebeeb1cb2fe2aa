// DynamoDB Local killed (SIGKILL) under a load of resolves and writes, then restarted on the same
// port with the same data: during the outage the service answers 503 with Retry-After, never
// hangs nor crashes; after the restart, with the service untouched, resolves answer 200 again
// within a bound, and the stream processor resumes where it was: no acknowledged write goes
// without its audit record, and a write after recovery reaches the provider.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local.js';
import { startLocalService, type LocalService } from '../../local/local-service.js';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_REQUEST_TIMEOUT_MS } from '../../lib/store/client.js';
import { scanTable } from '../support/table-scan.js';
import { expectCreated, setUpHostedProviderWithEvents } from '../support/fixtures.js';
import { PROVIDER_SECRET, useProviderServer } from '../support/provider-server.js';
import { apiClient, OPERATOR_TOKEN, type Answer, type ApiClient, testDynamoClient } from '../support/service.js';
import { storeViolations } from '../support/store-invariants.js';
import type { ParsedJson } from '../support/json.js';

const T = '/v1/tenants/contoso';
const TABLE = 'restart';
/** The client's budget (lib/store/client.ts) and a margin: no request may take longer. */
const REQUEST_BOUND_MS = DEFAULT_MAX_ATTEMPTS * DEFAULT_REQUEST_TIMEOUT_MS + 1_500;
/** From DynamoDB Local answering again to the service answering 200 again. */
const RECOVERY_BOUND_MS = 3_000;

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
});

afterAll(async () => {
  await service?.stop();
  await dynamo?.stop();
  rmSync(dataDirectory, { recursive: true, force: true });
});

describe('DynamoDB Local killed and restarted under load', () => {
  it('answers 503 during the outage, 200 again soon after the restart, and the stream resumes', async () => {
    const inFlight = Array.from({ length: 5 }, (_, index) => `sip:in-flight${index}@contoso.com`);
    const resolves = startLoad(() => gateway.post('/v1/resolve', { target: 'tel:+14255550100' }), 4);
    let writes = 0;
    const writer = startLoad(() => api.patch(`${T}/users/sip:writer@contoso.com`, { displayName: `write ${++writes}` }), 1, 100);
    let samples: Sample[];
    let restartedAt = 0;
    let recoveredAt = 0;
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
      dynamo = await startDynamoDbLocal({ dataDirectory, port });
      restartedAt = Date.now();
      recoveredAt = await until(
        () => resolves.samples.some((sample) => sample.startedAt >= restartedAt && sample.status === 200),
        'resolves answer 200 again',
      );
      await until(
        () => resolves.samples.filter((sample) => sample.startedAt > recoveredAt && sample.status === 200).length >= 20,
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
    // Recovered by itself, and for good: every call started a moment after the first 200 is a 200.
    expect(recoveredAt - restartedAt).toBeLessThan(RECOVERY_BOUND_MS);
    expect(samples.filter((sample) => sample.startedAt > recoveredAt + 1_000 && sample.status !== 200)).toEqual([]);
    expect(writer.samples.filter((sample) => sample.status !== 200 && sample.status !== 503)).toEqual([]);
    expect(writer.samples.filter((sample) => sample.startedAt > recoveredAt + 1_000 && sample.status !== 200)).toEqual([]);

    // The stream processor resumes: events in flight at the crash arrive (under one id each), every
    // acknowledged write is audited, and a write after recovery reaches the provider.
    provider.behave(() => ({ status: 204 }));
    await provider.waitFor(() => inFlight.every((sipUri) => provider.ofType('contact.created', sipUri).length > 0));
    for (const sipUri of inFlight)
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
