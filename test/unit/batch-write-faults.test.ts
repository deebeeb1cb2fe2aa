// How principals written together answer DynamoDB's cancellations, injected with
// aws-sdk-client-mock: a collision (TransactionConflict) sends the same writes again, a taken
// claim fails only its own change, a domain the tenant fences refuses the changes taking an
// address in it, a moved policy hands every change back to be decided again.
import { DynamoDBClient, TransactionCanceledException, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ExumError } from '../../lib/errors.js';
import type { PrincipalChange } from '../../lib/store/changes.js';
import { ExumStore } from '../../lib/store/exum-store.js';
import { StaleReadError } from '../../lib/store/sdk-errors.js';
import { user } from '../support/builders.js';

const client = new DynamoDBClient({ region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const dynamo = mockClient(client);
const store = new ExumStore(client, 'faults');
afterEach(() => dynamo.reset());

/** Two new users with numbers, the second granted a tag (so the transaction has a counter and a guard). */
const changes: PrincipalChange[] = [
  { before: null, after: user({ sipUri: 'sip:a@contoso.com', lineUri: 'tel:+14255550001' }), guards: [] },
  {
    before: null,
    after: user({ sipUri: 'sip:b@contoso.com', lineUri: 'tel:+14255550002', hostedVoicemailPolicy: 'ExOnline' }),
    guards: [{ id: 'tag:ExOnline', version: 1 }],
  },
];
// Positions in the transaction: a's record, a's number, b's record, b's number, the grant counter, the summary counter, the guard.
const cancelled = (codes: string[], items: Record<number, object> = {}) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code, position) => ({
      Code,
      ...(items[position] === undefined ? {} : { Item: marshall(items[position]) }),
    })),
  });

describe('principals written together', () => {
  it('send the same transaction again after a collision, and all are written', async () => {
    dynamo
      .on(TransactWriteItemsCommand)
      .rejectsOnce(cancelled(['None', 'None', 'None', 'None', 'TransactionConflict', 'None', 'None']))
      .resolves({});
    const outcomes = await store.principals.writeTogether('contoso', changes);
    expect(outcomes).toEqual([{ written: true }, { written: true }]);
    const sent = dynamo.commandCalls(TransactWriteItemsCommand).map((call) => call.args[0].input.TransactItems?.length);
    expect(sent).toEqual([7, 7]);
  });

  it('fail only the change whose claim is taken, and write the others without it', async () => {
    dynamo
      .on(TransactWriteItemsCommand)
      .rejectsOnce(
        cancelled(['None', 'ConditionalCheckFailed', 'None', 'None', 'None', 'None', 'None'], {
          1: { pk: 'x', sk: 'y', sipUri: 'sip:other@contoso.com' },
        }),
      )
      .resolves({});
    const [a, b] = await store.principals.writeTogether('contoso', changes);
    expect(a).toMatchObject({ written: false, error: expect.any(ExumError) });
    expect(((a as { error: unknown }).error as ExumError).issues[0]).toMatchObject({
      field: 'lineUri',
      rule: 'unique-line-uri-across-users-and-contacts',
    });
    expect(b).toEqual({ written: true });
    // The second transaction: b alone (record, number, grant counter, summary counter, policy guard): no domain item.
    expect(dynamo.commandCalls(TransactWriteItemsCommand)[1]!.args[0].input.TransactItems).toHaveLength(5);
  });

  it('hand every change back as stale when a policy guard fails: they were decided on a snapshot that moved', async () => {
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled(['None', 'None', 'None', 'None', 'None', 'None', 'ConditionalCheckFailed']));
    const outcomes = await store.principals.writeTogether('contoso', changes);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ written: false, error: expect.any(StaleReadError) });
    expect(dynamo.commandCalls(TransactWriteItemsCommand)).toHaveLength(1);
  });

  it('refuse the changes taking an address in a domain the summary counter shard fences, and write the others', async () => {
    const twoDomains: PrincipalChange[] = [
      { before: null, after: user({ sipUri: 'sip:a@contoso.com', lineUri: null }), guards: [] },
      { before: null, after: user({ sipUri: 'sip:c@contoso.net', lineUri: null }), guards: [] },
    ];
    dynamo
      .on(TransactWriteItemsCommand)
      // a's record, c's record, the summary counter: its fence names contoso.net.
      .rejectsOnce(
        cancelled(['None', 'None', 'ConditionalCheckFailed'], {
          2: { pk: 'T#contoso#SUMMARY', sk: 'SHARD#07', fencedDomains: new Set(['contoso.net', 'gone.example']) },
        }),
      )
      .resolves({});
    const [a, c] = await store.principals.writeTogether('contoso', twoDomains);
    expect(a).toEqual({ written: true });
    expect(c).toMatchObject({ written: false, error: expect.any(ExumError) });
    expect(((c as { error: unknown }).error as ExumError).issues[0]).toMatchObject({ field: 'sipUri', rule: 'tenant-sip-domain' });
    const [first, second] = dynamo.commandCalls(TransactWriteItemsCommand).map((call) => call.args[0].input.TransactItems!);
    // The fence is checked on the counter write itself: no other item is read for it.
    const counter = first!.find((item) => item.Update?.Key?.pk?.S === 'T#contoso#SUMMARY')!.Update!;
    expect(counter.ConditionExpression).toBe('NOT contains(#fenced, :d0) AND NOT contains(#fenced, :d1)');
    expect(first).toHaveLength(3);
    expect(second).toHaveLength(2);
  });

  it('give up on a transaction that keeps colliding, handing its changes back as stale', async () => {
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled(['None', 'None', 'None', 'None', 'TransactionConflict', 'None', 'None']));
    const outcomes = await store.principals.writeTogether('contoso', changes);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ written: false, error: expect.any(StaleReadError) });
    expect(dynamo.commandCalls(TransactWriteItemsCommand).length).toBe(21);
  });

  it('sum grant counters per tag and the summary counts, so one counter item appears once in a transaction', async () => {
    dynamo.on(TransactWriteItemsCommand).resolves({});
    const granted = Array.from({ length: 3 }, (_, i): PrincipalChange => ({
      before: null,
      after: user({ sipUri: `sip:g${i}@contoso.com`, lineUri: null, hostedVoicemailPolicy: 'ExOnline' }),
      guards: [{ id: 'tag:ExOnline', version: 1 }],
    }));
    await store.principals.writeTogether('contoso', granted);
    const items = dynamo.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems!;
    const counters = items.filter((item) => item.Update?.ExpressionAttributeValues?.[':delta'] !== undefined);
    expect(counters).toHaveLength(1);
    // And the tenant summary's deltas, summed too, on one counter item.
    const summaryCounters = items.filter((item) => item.Update?.Key?.pk?.S === 'T#contoso#SUMMARY');
    expect(summaryCounters).toHaveLength(1);
    expect(Object.values(summaryCounters[0]!.Update!.ExpressionAttributeValues!)).toContainEqual({ N: '3' });
    expect(counters[0]!.Update!.ExpressionAttributeValues![':delta']).toEqual({ N: '3' });
    expect(items.filter((item) => item.ConditionCheck?.Key?.sk?.S === 'POLICY#tag:ExOnline')).toHaveLength(1);
  });
});
