// A fault-injecting HTTP proxy in front of DynamoDB Local, for tests. DynamoDB's API is JSON over
// HTTP POST, the operation named by the X-Amz-Target header; the proxy forwards every request,
// unless a fault is switched on for its operation: then it answers an error, stays silent, resets
// the connection, or forwards the request and loses (or delays) DynamoDB's answer.
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  /** HTTP 400 ThrottlingException; nothing reaches DynamoDB. */
  | { kind: 'throttling' }
  /** HTTP 500 InternalServerError; nothing reaches DynamoDB. */
  | { kind: 'internal-server-error' }
  /** TransactWriteItems only: the transaction cancelled because one of its items was throttled. */
  | { kind: 'cancelled-by-throttling' }
  /** No answer at all, until the client gives up; nothing reaches DynamoDB. */
  | { kind: 'hang' }
  /** The connection is reset before any answer; nothing reaches DynamoDB. */
  | { kind: 'reset' }
  /** DynamoDB gets the request and applies it, then the connection is reset: the client never learns. */
  | { kind: 'lose-answer' }
  /** DynamoDB gets the request and applies it; its answer is held back this long. */
  | { kind: 'delay-answer'; delayMs: number };

/** Faults that let DynamoDB apply the request and spoil only its answer. */
type AnswerFault = Extract<Fault, { kind: 'lose-answer' | 'delay-answer' }>;

const spoilsTheAnswer = (fault: Fault): fault is AnswerFault => fault.kind === 'lose-answer' || fault.kind === 'delay-answer';

interface Rule {
  /** As X-Amz-Target names it after the dot: GetItem, TransactWriteItems, GetRecords. */
  operation: string;
  fault: Fault;
  /** How many requests of the operation pass untouched before the fault applies. */
  skip: number;
  /** How many more requests the fault applies to. */
  remaining: number;
}

export interface FaultProxy {
  /** The endpoint to give the service instead of DynamoDB Local's. */
  url: string;
  /**
   * Switches a fault on for an operation (GetItem, TransactWriteItems, GetRecords...): after its
   * next `after` requests (default 0), for `times` requests (default: until cleared). The latest
   * fault injected for an operation wins.
   */
  inject: (operation: string, fault: Fault, options?: { after?: number; times?: number }) => void;
  /** Switches every fault off; requests held by `hang` stay held until their clients give up. */
  clear: () => void;
  /** Requests of an operation seen so far, and how many of them a fault hit. */
  seen: (operation: string) => { requests: number; faulted: number };
  stop: () => Promise<void>;
}

/** `DynamoDB_20120810.GetItem` → `GetItem`; `DynamoDBStreams_20120810.GetRecords` → `GetRecords`. */
function operationOf(request: IncomingMessage): string {
  const target = String(request.headers['x-amz-target'] ?? '');
  return target.slice(target.indexOf('.') + 1);
}

/** An error answer shaped as DynamoDB's (AWS JSON 1.0): the SDK names the error from `__type`. */
function answerError(response: ServerResponse, status: number, type: string, message: string, details: object = {}): void {
  const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message, ...details });
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-requestid': randomUUID(),
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

/**
 * DynamoDB's answer to a transaction that one throttled item cancelled: a reason per item, in
 * order ("None" for the others), as the SDK hands them to the caller in CancellationReasons.
 */
async function answerThrottledCancellation(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { TransactItems: items = [] } = JSON.parse((await readAll(request)).toString('utf8')) as { TransactItems?: unknown[] };
  const reasons = items.map((_, index) =>
    index === 0
      ? { Code: 'ThrottlingError', Message: 'Throughput exceeds the current capacity of your table or index.' }
      : { Code: 'None' },
  );
  const message = `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(', ')}]`;
  answerError(response, 400, 'TransactionCanceledException', message, { CancellationReasons: reasons });
}

interface Upstream {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** Sends the request on to DynamoDB Local and reads its whole answer. */
async function forward(request: IncomingMessage, target: URL, agent: Agent): Promise<Upstream> {
  const body = await readAll(request);
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers, agent },
      (answer) => {
        readAll(answer).then(
          (answerBody) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: answerBody }),
          reject,
        );
      },
    );
    upstream.on('error', reject);
    upstream.end(body);
  });
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function relay(response: ServerResponse, upstream: Upstream): void {
  if (response.destroyed) return;
  response.writeHead(upstream.status, upstream.headers);
  response.end(upstream.body);
}

/** Applies a fault that answers in DynamoDB's place (or not at all). */
function answerInstead(fault: Exclude<Fault, AnswerFault>, request: IncomingMessage, response: ServerResponse): void {
  switch (fault.kind) {
    case 'throttling':
      return answerError(response, 400, 'ThrottlingException', 'Rate of requests exceeds the allowed throughput.');
    case 'internal-server-error':
      return answerError(response, 500, 'InternalServerError', 'Internal server error');
    case 'cancelled-by-throttling':
      return void answerThrottledCancellation(request, response);
    case 'reset':
      request.socket.destroy();
      return;
    case 'hang':
      // The request is read and left unanswered: the client's own timeout must end it.
      request.resume();
      return;
  }
}

/** Applies a fault that lets DynamoDB apply the request and then spoils its answer. */
async function spoilAnswer(fault: AnswerFault, upstream: Upstream, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (fault.kind === 'lose-answer') {
    request.socket.destroy();
    return;
  }
  await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
  relay(response, upstream);
}

export async function startFaultProxy(dynamoEndpoint: string): Promise<FaultProxy> {
  const target = new URL(dynamoEndpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let rules: Rule[] = [];
  const counts = new Map<string, { requests: number; faulted: number }>();
  const sockets = new Set<Socket>();

  /** The fault for this request, if one is on; it is used up by this request. */
  const takeFault = (operation: string): Fault | undefined => {
    const rule = rules.find((candidate) => candidate.remaining > 0 && candidate.operation === operation);
    if (rule === undefined) return undefined;
    if (rule.skip > 0) {
      rule.skip--;
      return undefined;
    }
    rule.remaining--;
    return rule.fault;
  };

  const count = (operation: string, faulted: boolean) => {
    const current = counts.get(operation) ?? { requests: 0, faulted: 0 };
    counts.set(operation, { requests: current.requests + 1, faulted: current.faulted + (faulted ? 1 : 0) });
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const operation = operationOf(request);
    const fault = takeFault(operation);
    count(operation, fault !== undefined);
    if (fault !== undefined && !spoilsTheAnswer(fault)) return answerInstead(fault, request, response);
    let upstream: Upstream;
    try {
      upstream = await forward(request, target, agent);
    } catch {
      // DynamoDB Local is not there: the client sees what it would see without the proxy.
      request.socket.destroy();
      return;
    }
    if (fault === undefined) relay(response, upstream);
    else await spoilAnswer(fault, upstream, request, response);
  };

  const server = createServer((request, response) => void handle(request, response));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    inject: (operation, fault, options = {}) => {
      rules = [{ operation, fault, skip: options.after ?? 0, remaining: options.times ?? Number.POSITIVE_INFINITY }, ...rules];
    },
    clear: () => {
      rules = [];
    },
    seen: (operation) => counts.get(operation) ?? { requests: 0, faulted: 0 },
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
