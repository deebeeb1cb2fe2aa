// The baseline of the CPU figures: a process of its own doing bare GetItems against the same
// DynamoDB Local, with the client the service uses (lib/store/client.ts, its default settings),
// `concurrency` at a time as the HTTP load is sent. After a warm-up it prints one JSON line:
// the GetItems done and the CPU time (process.cpuUsage, user + system) they took. Stops on SIGTERM.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../lib/store/client.js';
import { toKey } from '../lib/store/items.js';
import { keys } from '../lib/store/keys.js';
import { ownCpuMicros } from './cpu.js';
import { TENANT, userSipUri } from './seed.js';

const [endpoint, tableName, countArgument, concurrencyArgument, usersArgument] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const count = Number(countArgument);
const concurrency = Number(concurrencyArgument);
const users = Number(usersArgument);
const client = createDynamoClient({ endpoint });

const run = async (n: number) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const user = Math.floor(Math.random() * users);
        await client.send(
          new GetItemCommand({ TableName: tableName, Key: toKey(keys.address(TENANT, userSipUri(user))), ConsistentRead: true }),
        );
      }
    }),
  );
};
await run(Math.min(count, 2000));
const cpuBefore = ownCpuMicros();
const startedAt = performance.now();
await run(count);
process.stdout.write(
  `${JSON.stringify({ getItems: count, cpuMicros: ownCpuMicros() - cpuBefore, seconds: (performance.now() - startedAt) / 1000 })}\n`,
);
process.on('SIGTERM', () => {
  client.destroy();
  process.exit(0);
});
