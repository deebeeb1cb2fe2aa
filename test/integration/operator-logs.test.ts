// The log an operator reads during a store outage: the local service in its own process, DynamoDB
// behind the fault proxy. Each failed request gives exactly one line on the process's output,
// JSON, naming the code, the underlying error, the method, path and request id, under 1 KB: no
// stack traces, no serialised SDK errors. The credential check failing (a token not yet cached)
// and a handler's read failing (a cached one) are both covered.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy.js';
import { createTenant, expectCreated } from '../support/fixtures.js';
import { apiClient, type Answer } from '../support/service.js';

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SERVICE_PROCESS = fileURLToPath(new URL('../support/logging-service-process.ts', import.meta.url));
const OPERATOR_TOKEN = 'exum_logging_test_operator_token_000001';
/** Every operation the service's requests make: an outage is all of them failing. */
const OPERATIONS = ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'TransactGetItems'];
const MAX_LINE_BYTES = 1024;

let dynamo: DynamoDbLocal;
let proxy: FaultProxy;
let child: ChildProcess;
/** Every line the service wrote, stdout and stderr, in the order they were read. */
const lines: string[] = [];
let closed: Promise<void>;
let url = '';

const api = apiClient(
  {
    get url() {
      return url;
    },
  },
  OPERATOR_TOKEN,
);
let gatewayToken = '';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the service wrote:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  proxy = await startFaultProxy(dynamo.endpoint);
  child = spawn(process.execPath, ['--import', TSX_LOADER, SERVICE_PROCESS, proxy.url, `logs-${randomBytes(6).toString('hex')}`, 'WARN'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const readers = [child.stdout!, child.stderr!].map(
    (stream) =>
      new Promise<void>((resolve) => {
        createInterface({ input: stream })
          .on('line', (line) => lines.push(line))
          .on('close', resolve);
      }),
  );
  closed = Promise.all(readers).then(() => undefined);
  await waitFor(() => lines.some((line) => line.startsWith('{"ready"')) || child.exitCode !== null, 'the service to listen', 50_000);
  url = (JSON.parse(lines.find((line) => line.startsWith('{"ready"'))!) as { ready: string }).ready;

  await createTenant(api, 'contoso');
  // Created, never used: the credential check of its first request reads the store.
  gatewayToken = (await expectCreated(api.post('/v1/tenants/contoso/credentials', { role: 'gateway', name: 'gw' }))).token as string;
}, 60_000);

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
  await proxy?.stop();
  await dynamo?.stop();
});

/** Sends `requests` while every store operation fails with `fault`; the store works again after. */
async function duringOutage(fault: Fault, requests: (() => Promise<Answer>)[]): Promise<Answer[]> {
  for (const operation of OPERATIONS) proxy.inject(operation, fault);
  try {
    return await Promise.all(requests.map((request) => request()));
  } finally {
    proxy.clear();
  }
}

describe('the log during a store outage', () => {
  it('holds exactly one concise JSON line per failed request, with its code and request', async () => {
    const failed: { method: string; path: string }[] = [];
    const request = (method: string, path: string, token = OPERATOR_TOKEN, body?: unknown) => {
      failed.push({ method, path });
      return () => api.as(token).call(method, path, body === undefined ? {} : { body });
    };

    // Throttling: the SDK's service errors (with their $metadata), on the handlers' reads and writes.
    const throttled = await duringOutage({ kind: 'throttling' }, [
      request('GET', '/v1/tenants/contoso'),
      request('GET', '/v1/tenants/contoso/users'),
      request('POST', '/v1/tenants/contoso/users', OPERATOR_TOKEN, { sipUri: 'sip:bob@contoso.com', enterpriseVoiceEnabled: true }),
    ]);
    expect((await api.get('/v1/tenants/contoso')).status).toBe(200);
    // Connections reset: network errors, on the credential check of a token not yet cached and on a handler's read.
    const reset = await duringOutage({ kind: 'reset' }, [
      request('POST', '/v1/resolve', gatewayToken, { target: 'sip:alice@contoso.com' }),
      request('GET', '/v1/tenants/contoso/credentials'),
    ]);
    for (const answer of [...throttled, ...reset]) expect(answer.status, JSON.stringify(answer.body)).toBe(503);

    // Stopped, the service has written all it will: its output is read to the end.
    child.kill('SIGTERM');
    await closed;

    const entries = lines.map((line) => {
      expect(() => JSON.parse(line) as unknown, `not JSON: ${line}`).not.toThrow();
      return { line, entry: JSON.parse(line) as Record<string, unknown> };
    });
    const errors = entries.filter(({ entry }) => entry.level === 'ERROR');
    expect(errors.map(({ entry }) => `${String(entry.method)} ${String(entry.path)}`).sort()).toEqual(
      failed.map(({ method, path }) => `${method} ${path}`).sort(),
    );
    for (const { line, entry } of errors) {
      expect(Buffer.byteLength(line), line).toBeLessThan(MAX_LINE_BYTES);
      expect(entry).toMatchObject({
        message: 'request failed',
        service: 'exum-router-local',
        code: 'store-unavailable',
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        error: { name: expect.any(String), message: expect.any(String) },
      });
      expect(line).not.toMatch(/\$metadata|"stack"|\\n\s+at /);
    }
    // The SDK names what DynamoDB said; a reset connection is named by its errno or the SDK's error.
    expect(errors.filter(({ entry }) => (entry.error as { name: string }).name === 'ThrottlingException')).toHaveLength(throttled.length);
  }, 90_000);
});
