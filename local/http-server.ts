// The local stand-in for API Gateway: an HTTP server that matches requests against the route
// table, authenticates them with the same credential check as the Lambda authorizer, turns
// them into the API Gateway (REST, proxy) events the Lambdas receive, and calls the same
// handlers. Nothing here decides anything the Lambdas would not. The public routes (the health
// checks) are served as API Gateway serves methods without an authorizer: no credential asked for.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isUtf8 } from 'node:buffer';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createRouteMatcher } from '../lib/api/dispatch.js';
import { problemResponse } from '../lib/api/problem.js';
import type { AnyRoute as Route, PublicRoute } from '../lib/api/route.js';
import { authorizerContextOf } from '../lib/auth/authorizer-context.js';
import type { Authenticator } from '../lib/auth/credential-cache.js';
import { ExumError, invalid, statusOf } from '../lib/errors.js';
import { isConsoleRequest, serveConsoleFile } from './console-files.js';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface Mount {
  routes: readonly Route[];
  handler: ProxyHandler;
}

/** The public routes (the health checks) and their handler: served with no authentication at all. */
export interface PublicMount {
  routes: readonly PublicRoute[];
  handler: ProxyHandler;
}

/** Bytes the server reads of a body at most; the handlers enforce their own, lower limit. */
const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * How long a client has to send a whole request (headers and body), as API Gateway does not wait
 * on a slow client either: one that promises more bytes than it sends gets 408 and its socket back
 * within this (plus the check interval), instead of Node's default of 5 minutes. Sending a request
 * takes milliseconds; the handler's own time is not counted.
 */
export const REQUEST_RECEIVE_TIMEOUT_MS = 10_000;
/** The request line and headers together, at most: API Gateway's REST limit (10,240 bytes). Past it: 431. */
export const MAX_HEADER_BYTES = 10_240;
/**
 * How long a kept-alive connection may sit idle between requests. Longer than the gateways' own
 * pools keep one (curl, Kamailio's http_client: 60 s or less), so the server is never the side that
 * closes a connection a client is about to reuse.
 */
export const IDLE_TIMEOUT_MS = 65_000;
/**
 * A connection with no byte moving either way while a request is open: a client that stopped
 * reading its answer. Past a handler's whole budget (29 s, as API Gateway's), so a slow handler
 * is never cut off by it.
 */
export const STALLED_SOCKET_TIMEOUT_MS = 35_000;
const SLOW_CLIENT_LIMITS = {
  requestTimeout: REQUEST_RECEIVE_TIMEOUT_MS,
  headersTimeout: REQUEST_RECEIVE_TIMEOUT_MS,
  maxHeaderSize: MAX_HEADER_BYTES,
  connectionsCheckingInterval: 1_000,
};

function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Writes a Lambda-shaped answer; a known length saves chunked encoding, as API Gateway does. */
function send(response: ServerResponse, result: { statusCode: number; headers?: Record<string, unknown>; body: string }): void {
  response.writeHead(result.statusCode, {
    ...(result.headers as Record<string, string> | undefined),
    'Content-Length': Buffer.byteLength(result.body),
  });
  response.end(result.body);
}

/** The body as API Gateway hands it on: text when it is UTF-8, else base64 (as for binary bodies). */
async function readBody(request: IncomingMessage): Promise<{ body: string; isBase64Encoded: boolean } | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) {
      throw new ExumError('payload-too-large', `the body must be at most ${MAX_REQUEST_BYTES} bytes`, [
        { field: 'body', rule: 'max-size', message: 'too large' },
      ]);
    }
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return null;
  const bytes = Buffer.concat(chunks);
  return isUtf8(bytes)
    ? { body: bytes.toString('utf8'), isBase64Encoded: false }
    : { body: bytes.toString('base64'), isBase64Encoded: true };
}

/** The request target as a URL. Node's parser lets through targets that are none (`//[`, a port past 65535): the client's error. */
function requestUrl(request: IncomingMessage): URL {
  try {
    return new URL(request.url ?? '/', 'http://localhost');
  } catch {
    // Not lost: the caller gets a 400 saying so.
    throw invalid('path', 'request-target', 'the request target is not a valid URL or path');
  }
}

function singleValues(entries: Iterable<[string, string]>): Record<string, string> | null {
  const result: Record<string, string> = {};
  for (const [key, value] of entries) result[key] = value;
  return Object.keys(result).length === 0 ? null : result;
}

export interface LocalHttpServerOptions {
  /** The same credential check as the API Gateway authorizer. */
  authenticate: Authenticator;
  /** Serve HTTPS with this certificate and key; with clientCa, require client certificates it signed (mutual TLS). */
  tls?: { cert: string | Buffer; key: string | Buffer; clientCa?: string | Buffer };
  mounts: readonly Mount[];
  /** As API Gateway's methods without an authorizer: no credential asked for, none looked at. */
  publicMount?: PublicMount;
  /** The built console (dist/console), served at / outside /v1 with no credential (its files hold none). */
  consoleDirectory?: string;
  /**
   * A request that failed here rather than in a handler (which logs its own): the credential
   * check when the store is down, or a bug. Refusals (4xx) are the caller's business, not reported.
   */
  onError?: (error: unknown, request: FailedRequest) => void;
}

export interface FailedRequest {
  method: string;
  path: string;
  requestId: string;
}

/** What API Gateway hands a Lambda (REST, proxy): the request, the matched resource, and the authorizer's context if any. */
function proxyEvent(
  request: IncomingMessage,
  url: URL,
  matched: { resource: string; pathParameters: Record<string, string> },
  headers: Record<string, string>,
  body: { body: string; isBase64Encoded: boolean } | null,
  authorizer: APIGatewayProxyEvent['requestContext']['authorizer'],
  requestId: string,
): APIGatewayProxyEvent {
  const method = (request.method ?? 'GET').toUpperCase();
  return {
    resource: matched.resource,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders: {},
    queryStringParameters: singleValues(url.searchParams.entries()),
    multiValueQueryStringParameters: null,
    pathParameters: matched.pathParameters,
    stageVariables: null,
    body: body?.body ?? null,
    isBase64Encoded: body?.isBase64Encoded ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer,
      protocol: `HTTP/${request.httpVersion}`,
      httpMethod: method,
      identity: { sourceIp: request.socket.remoteAddress ?? '' } as APIGatewayProxyEvent['requestContext']['identity'],
      path: url.pathname,
      stage: 'local',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: matched.resource,
    },
  };
}

export function createLocalHttpServer({
  authenticate,
  mounts,
  publicMount,
  consoleDirectory,
  onError,
  tls,
}: LocalHttpServerOptions): Server {
  const matchers = mounts.map((mount) => ({ mount, matcher: createRouteMatcher(mount.routes) }));

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const method = (request.method ?? 'GET').toUpperCase();
    const requestId = randomUUID();
    let instance = request.url ?? '/';
    try {
      const url = requestUrl(request);
      instance = url.pathname;
      const headers =
        singleValues(
          Object.entries(request.headers).map(([key, value]) => [key, Array.isArray(value) ? value.join(', ') : (value ?? '')]),
        ) ?? {};

      // A public route before anything else: no authentication, so no credential can change its answer.
      const publicRoute = publicMount?.routes.find((candidate) => candidate.path === url.pathname);
      if (publicMount !== undefined && publicRoute !== undefined) {
        const event = proxyEvent(request, url, { resource: publicRoute.path, pathParameters: {} }, headers, null, null, requestId);
        send(response, await publicMount.handler(event, lambdaContext('exum-router-local')));
        return;
      }

      // The console's files: the page itself asks for a token, then calls /v1 with it.
      if (consoleDirectory !== undefined && isConsoleRequest(method, url.pathname)) {
        await serveConsoleFile(consoleDirectory, method, url.pathname, response);
        return;
      }

      let found: { mount: Mount; route: Route; pathParameters: Record<string, string> } | undefined;
      let methodNotAllowed = false;
      for (const { mount, matcher } of matchers) {
        const match = matcher.match(method, url.pathname);
        if (match === 'method-not-allowed') methodNotAllowed = true;
        else if (match !== undefined) {
          found = { mount, ...match };
          break;
        }
      }
      if (found === undefined) {
        throw methodNotAllowed
          ? new ExumError('method-not-allowed', `${method} is not allowed on ${url.pathname}`)
          : new ExumError('route-not-found', `no route for ${method} ${url.pathname}`);
      }

      const actor = await authenticate(headers.authorization);
      if (actor === undefined)
        throw new ExumError('unauthenticated', 'a valid bearer credential is required (Authorization: Bearer <token>)');
      const body = await readBody(request);

      const event = proxyEvent(
        request,
        url,
        { resource: found.route.path, pathParameters: found.pathParameters },
        headers,
        body,
        authorizerContextOf(actor),
        requestId,
      );
      send(response, await found.mount.handler(event, lambdaContext('exum-router-local')));
    } catch (error) {
      const failure = error instanceof ExumError ? error : new ExumError('internal', 'local server error', [], { cause: error });
      if (statusOf(failure.code) >= 500) onError?.(failure, { method, path: instance, requestId });
      send(response, problemResponse(failure, instance));
    }
  };
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      // Only writing the answer can fail here (the connection is gone): report it, drop the connection.
      onError?.(error, { method: request.method ?? 'GET', path: request.url ?? '/', requestId: 'none' });
      response.destroy();
    });
  };
  const server =
    tls === undefined
      ? createServer(SLOW_CLIENT_LIMITS, listener)
      : createHttpsServer(
          {
            ...SLOW_CLIENT_LIMITS,
            cert: tls.cert,
            key: tls.key,
            minVersion: 'TLSv1.2',
            // Mutual TLS, as the AWS deployment's custom domain can require: no valid client certificate, no connection.
            ...(tls.clientCa === undefined ? {} : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true }),
          },
          listener,
        );
  server.keepAliveTimeout = IDLE_TIMEOUT_MS;
  server.setTimeout(STALLED_SOCKET_TIMEOUT_MS);
  return server;
}

export async function listen(server: Server, port: number, host = '127.0.0.1'): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
