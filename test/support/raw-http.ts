// HTTP/1.1 over a bare TCP socket, byte for byte as given: request targets with raw or invalid
// bytes, duplicate and oversized headers, lying Content-Length and hand-made chunking, none of
// which fetch or node:http will send. One request per connection (Connection: close).
import { connect } from 'node:net';

export type Framing =
  /** Content-Length with the body's true size (the usual case). */
  | { kind: 'length' }
  /** A Content-Length that is not the body's size: the request ends early or runs into the next. */
  | { kind: 'declared-length'; declared: string }
  /** Transfer-Encoding: chunked, the body cut into chunks of these sizes (the rest in one last chunk). */
  | { kind: 'chunked'; sizes: readonly number[] }
  /** No framing header at all. */
  | { kind: 'none' };

export interface RawRequest {
  method: string;
  /** The request target exactly as sent; characters above U+007F are sent as single bytes (latin1). */
  target: string;
  /** Header lines in order; a name may repeat. Host and Connection are added. */
  headers: readonly (readonly [string, string])[];
  body?: Buffer;
  framing?: Framing;
}

export interface RawAnswer {
  status: number;
  /** Lower-case names; a repeated header keeps its last value. */
  headers: Record<string, string>;
  text: string;
}

function chunked(body: Buffer, sizes: readonly number[]): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (const size of [...sizes, body.length]) {
    const chunk = body.subarray(offset, offset + size);
    offset += chunk.length;
    if (chunk.length > 0) parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  return Buffer.concat([...parts, Buffer.from('0\r\n\r\n')]);
}

function encodeRequest(request: RawRequest, host: string): Buffer {
  const body = request.body ?? Buffer.alloc(0);
  const framing = request.framing ?? { kind: 'length' };
  const framingHeaders: [string, string][] =
    framing.kind === 'length'
      ? body.length > 0
        ? [['Content-Length', String(body.length)]]
        : []
      : framing.kind === 'declared-length'
        ? [['Content-Length', framing.declared]]
        : framing.kind === 'chunked'
          ? [['Transfer-Encoding', 'chunked']]
          : [];
  const lines = [
    `${request.method} ${request.target} HTTP/1.1`,
    `Host: ${host}`,
    'Connection: close',
    ...[...request.headers, ...framingHeaders].map(([name, value]) => `${name}: ${value}`),
  ];
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return Buffer.concat([head, framing.kind === 'chunked' ? chunked(body, framing.sizes) : body]);
}

/** The first final response in what the server sent (past any 100 Continue); undefined when it closed without one. */
function decodeAnswer(received: Buffer): RawAnswer | undefined {
  const headEnd = received.indexOf('\r\n\r\n');
  if (headEnd === -1) return undefined;
  const [statusLine = '', ...headerLines] = received.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) return undefined;
  if (status < 200) return decodeAnswer(received.subarray(headEnd + 4));
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = received.subarray(headEnd + 4);
  const length = headers['content-length'] === undefined ? rest.length : Number(headers['content-length']);
  return { status, headers, text: rest.subarray(0, length).toString('utf8') };
}

/**
 * Sends one request and reads the answer until the server closes the connection. With
 * `halfClose` the client ends its side after sending, as a client that gave up mid-body would.
 * A server that neither answers nor closes within `timeoutMs` is a hang: the promise rejects.
 */
export function sendRaw(
  baseUrl: string,
  request: RawRequest,
  options: { halfClose?: boolean; timeoutMs?: number } = {},
): Promise<RawAnswer | undefined> {
  const { hostname, port } = new URL(baseUrl);
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${request.method} ${request.target.slice(0, 200)}`));
    }, timeoutMs);
    socket.on('data', (data) => received.push(data));
    // A server that answers before reading the whole body may reset the connection; what it sent still counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(decodeAnswer(Buffer.concat(received)));
    });
    socket.write(encodeRequest(request, `${hostname}:${port}`), () => {
      if (options.halfClose === true) socket.end();
    });
  });
}
