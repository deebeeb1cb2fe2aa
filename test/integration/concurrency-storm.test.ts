// A storm of writers on a few users, contacts and numbers at once: creates, moves of numbers,
// grants, deletes and batches colliding on purpose, while an observer takes serialisable
// snapshots (TransactGetItems) of every item they touch. No snapshot ever shows a number with two
// owners or a record without its number copy, no update is lost, and the store's invariants
// hold after the storm.
import { TransactGetItemsCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { expect, it } from 'vitest';
import { createDynamoClient } from '../../lib/store/client.js';
import { toKey } from '../../lib/store/items.js';
import { keys } from '../../lib/store/keys.js';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { useTestService, testDynamoClient } from '../support/service.js';
import { storeViolations } from '../support/store-invariants.js';

const TENANT = 'contoso';
const T = `/v1/tenants/${TENANT}`;
// Declared before the service's setUp runs (it creates them).
const USERS = Array.from({ length: 8 }, (_, i) => `sip:u${i}@contoso.com`);
const CONTACTS = Array.from({ length: 4 }, (_, i) => `sip:c${i}@contoso.com`);
const NUMBERS = Array.from({ length: 10 }, (_, i) => `+1425555${String(i).padStart(4, '0')}`);
const COUNTERS = ['sip:counter-a@contoso.com', 'sip:counter-b@contoso.com'];

const context = useTestService(async (api) => {
  await createTenant(api, TENANT);
  await setUpHostedProvider(api, TENANT);
  for (const name of COUNTERS) await expectCreated(api.post(`${T}/users`, { sipUri: name, displayName: '0' }));
  // The contested records exist at the start; the storm deletes and re-creates some of them.
  for (const sipUri of USERS) await expectCreated(api.post(`${T}/users`, { sipUri }));
  for (const sipUri of CONTACTS) await expectCreated(api.post(`${T}/contacts`, { sipUri }));
});
const { api } = context;

const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)]!;
const maybeNumber = () => (Math.random() < 0.2 ? null : pick(NUMBERS));

/** One random write on the contested objects; its status must be an answer, never a failure. */
async function randomWrite(): Promise<number> {
  const number = maybeNumber();
  switch (Math.floor(Math.random() * 10)) {
    case 0:
      return (await api.post(`${T}/users`, { sipUri: pick([...USERS, ...CONTACTS]), lineUri: number === null ? null : `tel:${number}` }))
        .status;
    case 1:
      return (await api.post(`${T}/contacts`, { sipUri: pick([...CONTACTS, ...USERS]), displayNumber: number })).status;
    case 2:
      return (await api.patch(`${T}/users/${pick(USERS)}`, { lineUri: number === null ? null : `tel:${number}` })).status;
    case 3:
      return (await api.patch(`${T}/contacts/${pick(CONTACTS)}`, { displayNumber: number })).status;
    case 4:
      return (await api.patch(`${T}/users/${pick(USERS)}`, { hostedVoicemailPolicy: Math.random() < 0.5 ? 'ExOnline' : null })).status;
    case 5:
      if (Math.random() < 0.5) return (await api.patch(`${T}/users/${pick(USERS)}`, { site: pick(['Redmond', 'Dublin']) })).status;
      return (await api.delete(`${T}/${Math.random() < 0.7 ? 'users' : 'contacts'}/${pick(Math.random() < 0.7 ? USERS : CONTACTS)}`))
        .status;
    case 6: {
      const rows = Array.from({ length: 3 }, () => ({
        sipUri: pick(USERS),
        lineUri: maybeNumber() === null ? null : `tel:${pick(NUMBERS)}`,
        hostedVoicemailPolicy: Math.random() < 0.5 ? 'ExOnline' : null,
      }));
      const answer = await api.post(`${T}/users/batch`, { users: rows });
      return answer.status === 200 &&
        answer.body.results.some((row: { errors?: { rule: string }[] }) =>
          row.errors?.some((error) => error.rule === 'concurrent-modification'),
        )
        ? 500
        : answer.status;
    }
    case 7:
      return (await api.patch(`${T}/contacts/${pick(CONTACTS)}`, { hostedVoicemailPolicy: Math.random() < 0.5 ? 'ExOnline' : null }))
        .status;
    default:
      return (await api.patch(`${T}/users/${pick(USERS)}`, { lineUri: `tel:${pick(NUMBERS)}`, displayName: 'moved' })).status;
  }
}

/** Read-modify-write of a counter with If-Match, retried on 412: every increment must land. */
async function increment(sipUri: string): Promise<void> {
  for (;;) {
    const current = await api.get(`${T}/users/${sipUri}`);
    const next = await api.patch(
      `${T}/users/${sipUri}`,
      { displayName: String(Number(current.body.displayName) + 1) },
      { headers: { 'if-match': `"${current.body.version}"` } },
    );
    if (next.status === 200) return;
    expect(next.status).toBe(412);
  }
}

/** A serialisable snapshot of every contested record and number copy; what it shows wrong. */
async function snapshotViolations(client: ReturnType<typeof createDynamoClient>): Promise<string[]> {
  const wanted = [
    ...[...USERS, ...CONTACTS].map((sipUri) => keys.address(TENANT, sipUri)),
    ...NUMBERS.map((number) => keys.number(TENANT, `tel:${number}`)),
  ];
  const answer = await client.send(
    new TransactGetItemsCommand({
      TransactItems: wanted.map((key) => ({ Get: { TableName: context.service.tableName, Key: toKey(key) } })),
    }),
  );
  const items = (answer.Responses ?? []).map((response) => (response.Item === undefined ? undefined : unmarshall(response.Item)));
  const records = items.slice(0, USERS.length + CONTACTS.length).filter((item) => item !== undefined);
  const copies = items.slice(USERS.length + CONTACTS.length);
  const violations: string[] = [];
  const owners = new Map<string, string[]>();
  for (const record of records)
    if (record.lineUri !== null) owners.set(record.lineUri, [...(owners.get(record.lineUri) ?? []), record.sipUri]);
  NUMBERS.forEach((number, index) => {
    const lineUri = `tel:${number}`;
    const copy = copies[index];
    const holders = owners.get(lineUri) ?? [];
    if (holders.length > 1) violations.push(`${lineUri} held by ${holders.join(' and ')}`);
    if (holders.length === 1 && copy?.sipUri !== holders[0])
      violations.push(`${lineUri} held by ${holders[0]} but its copy names ${copy?.sipUri}`);
    if (holders.length === 0 && copy !== undefined) violations.push(`${lineUri} copy names ${copy.sipUri}, whose record does not hold it`);
  });
  return violations;
}

it('keeps every number with one owner, every record with its copy, and every update, through a storm of writers', async () => {
  const client = testDynamoClient(context.service.dynamoEndpoint);
  const statuses = new Map<number, number>();
  const seen: string[] = [];
  let storming = true;
  const observer = (async () => {
    let snapshots = 0;
    while (storming || snapshots === 0) {
      try {
        seen.push(...(await snapshotViolations(client)));
        snapshots++;
      } catch (error) {
        // A snapshot overlapping a write is cancelled (TransactionConflict); take the next one.
        if ((error as Error).name !== 'TransactionCanceledException') throw error;
      }
    }
    return snapshots;
  })();

  const writers = Array.from({ length: 12 }, async () => {
    for (let op = 0; op < 25; op++) {
      const status = await randomWrite();
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  });
  const counters = COUNTERS.flatMap((sipUri) =>
    Array.from({ length: 4 }, async () => {
      for (let op = 0; op < 5; op++) await increment(sipUri);
    }),
  );
  await Promise.all([...writers, ...counters]);
  storming = false;
  const snapshots = await observer;

  expect(seen).toEqual([]);
  expect(snapshots).toBeGreaterThan(5);
  // Every write was answered: done, or refused for a reason the caller can act on.
  for (const status of statuses.keys()) expect([200, 201, 204, 404, 409]).toContain(status);
  expect((statuses.get(200) ?? 0) + (statuses.get(201) ?? 0) + (statuses.get(204) ?? 0)).toBeGreaterThan(50);
  // No increment lost: 4 writers × 5 increments on each counter.
  for (const sipUri of COUNTERS) expect((await api.get(`${T}/users/${sipUri}`)).body.displayName).toBe('20');
  expect(await storeViolations(client, context.service.tableName, TENANT)).toEqual([]);
  client.destroy();
}, 300_000);
