// Counts the DynamoDB commands a client sends, by name, with an SDK middleware.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export function countCommands(client: DynamoDBClient) {
  const counts = new Map<string, number>();
  const name = `count-commands-${Math.random()}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      counts.set(command, (counts.get(command) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    counts: () => Object.fromEntries(counts),
    reset: () => counts.clear(),
    stop: () => client.middlewareStack.remove(name),
  };
}
