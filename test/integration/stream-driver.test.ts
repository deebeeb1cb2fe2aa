// The local stream driver against DynamoDB Local's Streams API: batches in order, failed
// records redelivered from the first failure, checkpoints that survive a restart.
import { randomBytes } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { StreamDriver } from '../../local/stream-driver.js';
import { CheckpointStore } from '../../lib/store/checkpoint-store.js';
import { ensureTable } from '../../lib/store/create-table.js';
import { testDynamoClient } from '../support/service.js';

const tableName = `driver-${randomBytes(4).toString('hex')}`;
const client = testDynamoClient(inject('dynamoEndpoint'));
const checkpoints = new CheckpointStore(client, `${tableName}-checkpoints`);

beforeAll(async () => {
  await ensureTable(client, tableName);
  await checkpoints.ensureTable();
});
afterAll(() => client.destroy());

const put = (n: number) =>
  client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: `ITEM#${n}` }, sk: { S: 'X' }, n: { N: String(n) } } }));
const numbersOf = (event: DynamoDBStreamEvent) => event.Records.map((record) => Number(record.dynamodb?.NewImage?.n?.N));

function driver(handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>, onError?: (error: unknown) => void) {
  return new StreamDriver({
    dynamoClient: client,
    endpoint: inject('dynamoEndpoint'),
    tableName,
    checkpoints,
    handler,
    pollMs: 20,
    retryBackoffMs: [5],
    ...(onError === undefined ? {} : { onError }),
  });
}

async function until(predicate: () => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the local stream driver', () => {
  it('hands records in order, redelivers from the first failure, and resumes from its checkpoint', async () => {
    for (let n = 1; n <= 5; n++) await put(n);
    const seen: number[] = [];
    let failOnce = true;
    const first = driver(async (event) => {
      const numbers = numbersOf(event);
      const failAt = numbers.indexOf(3);
      if (failOnce && failAt !== -1) {
        failOnce = false;
        seen.push(...numbers.slice(0, failAt));
        // 3 fails, so 3 and everything after it come back; 1 and 2 do not.
        return { batchItemFailures: event.Records.slice(failAt).map((record) => ({ itemIdentifier: record.dynamodb!.SequenceNumber! })) };
      }
      seen.push(...numbers);
      return { batchItemFailures: [] };
    });
    first.start();
    await until(() => seen.includes(5));
    await first.stop();
    expect(seen).toEqual([1, 2, 3, 4, 5]);

    for (let n = 6; n <= 8; n++) await put(n);
    const afterRestart: number[] = [];
    const second = driver(async (event) => {
      afterRestart.push(...numbersOf(event));
      return { batchItemFailures: [] };
    });
    second.start();
    await until(() => afterRestart.includes(8));
    await second.stop();
    expect(afterRestart).toEqual([6, 7, 8]);
  });

  it('gives up on a record that always fails after 10 retries, reports it, and goes on', async () => {
    for (let n = 9; n <= 11; n++) await put(n);
    const handled: number[] = [];
    const reported: string[] = [];
    const poisoned = driver(
      async (event) => {
        const numbers = numbersOf(event);
        const poison = numbers.indexOf(10);
        handled.push(...(poison === -1 ? numbers : numbers.slice(0, poison)));
        return {
          batchItemFailures:
            poison === -1 ? [] : event.Records.slice(poison).map((record) => ({ itemIdentifier: record.dynamodb!.SequenceNumber! })),
        };
      },
      (error) => reported.push(String(error)),
    );
    poisoned.start();
    await until(() => handled.includes(11));
    await poisoned.stop();
    expect(handled).toEqual([9, 11]);
    expect(reported).toEqual([expect.stringContaining('after 10 retries')]);
  });
});

describe('the stream handler and an unreadable record', () => {
  it('fails that record alone, and still processes the others', async () => {
    const { ExumStore } = await import('../../lib/store/exum-store.js');
    const { createStreamDeps } = await import('../../functions/wiring/deps.js');
    const { createStreamHandler } = await import('../../lib/stream/process-stream.js');
    const handler = createStreamHandler(createStreamDeps(new ExumStore(client, tableName), { configCacheMs: 0 }));
    const record = (sequence: string, pk: string, image: Record<string, unknown>) => ({
      eventID: `e${sequence}`,
      eventName: 'INSERT' as const,
      eventSource: 'aws:dynamodb',
      dynamodb: {
        Keys: { pk: { S: pk }, sk: { S: 'PRINCIPAL' } },
        NewImage: image as never,
        SequenceNumber: sequence,
        ApproximateCreationDateTime: 1_700_000_000,
      },
    });
    const response = await handler(
      {
        Records: [
          record('100', 'T#contoso#ADDR#sip:broken@contoso.com', {
            pk: { S: 'T#contoso#ADDR#sip:broken@contoso.com' },
            entity: { S: 'user' },
            sipUri: { N: '7' },
          }),
          record('101', 'T#contoso#NUM#tel:+1', { pk: { S: 'T#contoso#NUM#tel:+1' }, entity: { S: 'number' } }),
        ],
      },
      { getRemainingTimeInMillis: () => 10_000 } as never,
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '100' }]);
  });
});
