// A hosting provider's event endpoint, for real: an HTTP server on an ephemeral loopback port
// that verifies Standard Webhooks signatures and records what it receives. Tests script its
// misbehaviour (down, slow, failing for a while, refusing one event).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll } from 'vitest';

export interface ReceivedEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  headers: Record<string, string>;
}

export type Behaviour = (event: ReceivedEvent) => { status: number; delayMs?: number } | 'close';

export const PROVIDER_SECRET = 'whsec-test-secret-for-exum-router-0001';

export async function startProviderServer(secret = PROVIDER_SECRET) {
  const received: ReceivedEvent[] = [];
  const refusedSignatures: string[] = [];
  let behaviour: Behaviour = () => ({ status: 204 });
  const verifier = new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' });

  const read = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };

  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    // For a provider in another process: how many events of each type it has accepted.
    if (request.method === 'GET' && request.url === '/counts') {
      const counts: Record<string, number> = {};
      for (const event of received) counts[event.type] = (counts[event.type] ?? 0) + 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counts));
      return;
    }
    const body = await read(request);
    const headers = Object.fromEntries(Object.entries(request.headers).map(([key, value]) => [key, String(value)]));
    let event: ReceivedEvent;
    try {
      const verified = verifier.verify(body, headers) as { id: string; type: string; data: Record<string, unknown> };
      event = { id: verified.id, type: verified.type, data: verified.data, headers };
    } catch {
      refusedSignatures.push(body);
      response.writeHead(401).end();
      return;
    }
    const chosen = behaviour(event);
    if (chosen === 'close') {
      request.socket.destroy();
      return;
    }
    if (chosen.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, chosen.delayMs));
    if (chosen.status >= 200 && chosen.status < 300) received.push(event);
    if (!response.destroyed) response.writeHead(chosen.status).end();
  };
  const server: Server = createServer((request, response) => void answer(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/events`,
    received,
    refusedSignatures,
    behave: (next: Behaviour) => {
      behaviour = next;
    },
    /** Events accepted so far of a type, optionally about one SIP address. */
    ofType: (type: string, sipUri?: string) =>
      received.filter((event) => event.type === type && (sipUri === undefined || event.data.sipUri === sipUri)),
    async waitFor(predicate: () => boolean, timeoutMs = 90_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline)
          throw new Error(`timed out; received: ${received.map((event) => `${event.type} ${String(event.data.sipUri)}`).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type ProviderServer = Awaited<ReturnType<typeof startProviderServer>>;

/** A provider server for the whole test file: started before its tests, stopped after. */
export function useProviderServer(): Omit<ProviderServer, 'stop'> {
  let server: ProviderServer | undefined;
  beforeAll(async () => {
    server = await startProviderServer();
  });
  afterAll(() => server?.stop());
  const started = () => {
    if (server === undefined) throw new Error('the provider server is not started yet');
    return server;
  };
  return {
    get url() {
      return started().url;
    },
    get received() {
      return started().received;
    },
    get refusedSignatures() {
      return started().refusedSignatures;
    },
    behave: (behaviour) => started().behave(behaviour),
    ofType: (type, sipUri) => started().ofType(type, sipUri),
    waitFor: (predicate, timeoutMs) => started().waitFor(predicate, timeoutMs),
  };
}
