// The gateway example at work: Kamailio runs examples/kamailio/kamailio.cfg itself and asks the
// service, over mutual TLS, where each voicemail-bound INVITE goes; SIPp plays the caller, the UM
// servers, the edge and the PSTN gateway on loopback. Needs kamailio and sipp (.ci/run installs them).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalService, type LocalService } from '../../local/local-service.js';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { OPERATOR_TOKEN, type ApiClient } from '../support/service.js';
import {
  callThroughGateway,
  freeUdpPorts,
  requireSipTools,
  startKamailio,
  startSippServer,
  stopSipProcesses,
  type Call,
  type Kamailio,
  type SipMessage,
  type SippServer,
} from '../support/sip-tools.js';
import { makeTlsFiles, tlsApiClient, type TlsFiles } from '../support/tls-service.js';

const CONFIG = fileURLToPath(new URL('../../examples/kamailio/kamailio.cfg', import.meta.url));
const T = '/v1/tenants/contoso';
const HOP_TIMEOUT_MS = 1_500;
// Generous where the service answers (DynamoDB Local serves other test files too), short where it never does.
const HTTP_TIMEOUT_S = 5;
const SILENT_SERVICE_TIMEOUT_S = 1;
const SUBSCRIBER_ACCESS = '+14255550199';
const AUTO_ATTENDANT_REROUTING = '+14255550000';
const ALICE = 'sip:alice@contoso.com;opaque=app:voicemail';
const BOB = 'sip:bob@contoso.com;opaque=app:voicemail';
const UM_HOSTS = { um01: 'um01.exum.test', um02: 'um02.exum.test' } as const;
type UmServer = keyof typeof UM_HOSTS;

let dir: string;
let tls: TlsFiles;
let service: LocalService;
let tableName: string;
let api: ApiClient;
let gatewayToken: string;
let gateway: Kamailio;
let ports: Record<UmServer | 'edge' | 'pstn', number>;

/** Contoso in mixed mode: two UM servers and the edge are SIPp instances on loopback, by name. */
async function setUpContoso(): Promise<string> {
  await createTenant(api, 'contoso');
  await setUpHostedProvider(api, 'contoso');
  await expectCreated(
    api.put(`${T}/edge`, { routingMode: 'dns-srv', allowFederatedUsers: true, nextHop: `sip:edge.exum.test:${ports.edge};transport=udp` }),
  );
  await expectCreated(
    api.post(`${T}/dial-plans`, {
      id: 'dp.contoso.com',
      uriType: 'sip-name',
      voipSecurity: 'unsecured',
      servers: (['um01', 'um02'] as const).map((server) => ({
        fqdn: UM_HOSTS[server],
        port: ports[server],
        transport: 'udp',
        exchangeVersion: 15,
      })),
    }),
  );
  await expectCreated(
    api.post(`${T}/rerouting`, {
      id: 'global',
      enabled: true,
      autoAttendantNumber: AUTO_ATTENDANT_REROUTING,
      subscriberAccessNumber: '+14255550001',
    }),
  );
  const user = (sipUri: string, fields: Record<string, unknown>) =>
    expectCreated(api.post(`${T}/users`, { sipUri, enterpriseVoiceEnabled: true, ...fields }));
  await user('sip:alice@contoso.com', { onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' } });
  await user('sip:bob@contoso.com', { hostedVoicemailPolicy: 'ExOnline', hostedVoicemail: { admin: true } });
  await user('sip:dave@contoso.com', { enabled: false, onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' } });
  await expectCreated(
    api.post(`${T}/contacts`, {
      sipUri: 'sip:exum-sa@contoso.com',
      displayNumber: SUBSCRIBER_ACCESS,
      onPremisesDialPlan: 'dp.contoso.com',
    }),
  );
  return (await expectCreated(api.post(`${T}/credentials`, { role: 'gateway', name: 'kamailio' }))).token;
}

/** The example's settings for this service: its URL, the test CA, the gateway's client certificate. */
function serviceDefines(url: string, extra: Record<string, string | number> = {}) {
  return {
    EXUM_RESOLVE_URL: `${url}/v1/resolve`,
    EXUM_CA_FILE: tls.ca,
    EXUM_CLIENT_CERT: tls.clientCert,
    EXUM_CLIENT_KEY: tls.clientKey,
    EXUM_HTTP_TIMEOUT: HTTP_TIMEOUT_S,
    EXUM_HOP_TIMEOUT_MS: HOP_TIMEOUT_MS,
    EXUM_WORKERS: 2,
    ...extra,
  };
}

beforeAll(async () => {
  requireSipTools();
  dir = mkdtempSync(join(tmpdir(), 'exum-gateway-'));
  tls = makeTlsFiles(dir);
  // As startTlsTestService, with the stream processor: a migration's waves are requested by it.
  tableName = `test-${randomBytes(6).toString('hex')}`;
  service = await startLocalService({
    port: 0,
    tableName,
    operatorToken: OPERATOR_TOKEN,
    dynamoEndpoint: inject('dynamoEndpoint'),
    logLevel: 'SILENT',
    configCacheMs: 0,
    credentialCacheMs: 0,
    tls: { cert: readFileSync(tls.serverCert), key: readFileSync(tls.serverKey), clientCa: readFileSync(tls.ca) },
  });
  // Idle connections stay open for a minute, as behind a load balancer (Node's default is 5 s).
  service.server.keepAliveTimeout = 60_000;
  api = tlsApiClient(service.url, tls);
  const [um01, um02, edge, pstn, gatewayPort] = freeUdpPorts(5) as [number, number, number, number, number];
  ports = { um01, um02, edge, pstn };
  gatewayToken = await setUpContoso();
  gateway = await startKamailio({
    name: 'gateway',
    dir,
    config: CONFIG,
    port: gatewayPort,
    defines: serviceDefines(service.url, {
      EXUM_PSTN_GATEWAY: `sip:127.0.0.1:${pstn};transport=udp`,
      EXUM_SUBSCRIBER_ACCESS_NUMBER: SUBSCRIBER_ACCESS,
    }),
    env: { EXUM_GATEWAY_TOKEN: gatewayToken },
  });
  // The service refuses IP addresses as next hops; Kamailio's DNS cache stands in for DNS.
  for (const host of [...Object.values(UM_HOSTS), 'edge.exum.test']) gateway.addHost(host, '127.0.0.1');
}, 300_000);

afterAll(async () => {
  await stopSipProcesses();
  await service?.stop();
  // KEEP_SIP_DIR=1 keeps Kamailio's and SIPp's logs and message traces, to read after a failure.
  if (dir !== undefined && process.env.KEEP_SIP_DIR === undefined) rmSync(dir, { recursive: true, force: true });
});

/** A Call-ID for which the service names `first` as the first UM server (it spreads calls by Call-ID). */
async function callIdFirstServedBy(first: UmServer, label: string, target = ALICE, reason = 'voicemail'): Promise<string> {
  for (let attempt = 0; attempt < 64; attempt++) {
    const callId = `${label}-${attempt}@caller.contoso.com`;
    const answer = await api.as(gatewayToken).post('/v1/resolve', { target, reason, callId });
    if (answer.body.nextHop === `sip:${UM_HOSTS[first]}:${ports[first]};transport=udp`) return callId;
  }
  throw new Error(`no Call-ID starts at ${first}`);
}

const requestsReceived = (server: SippServer): SipMessage[] =>
  server.messages().filter((message) => message.direction === 'received' && !message.firstLine.startsWith('SIP/'));
const methodsReceived = (server: SippServer) => requestsReceived(server).map((message) => message.firstLine.split(' ')[0]);
const inviteReceived = (server: SippServer) => requestsReceived(server).find((message) => message.firstLine.startsWith('INVITE '));

/** The caller's final answer to its INVITE: status and headers. */
function finalAnswer(call: Call) {
  const answer = call.messages.find(
    (message) =>
      message.direction === 'received' && /^SIP\/2\.0 [2-6]\d\d /.test(message.firstLine) && message.headers.cseq?.[0] === '1 INVITE',
  );
  return { status: Number(answer?.firstLine.split(' ')[1]), headers: answer?.headers ?? {} };
}

/** A call through `via` (the main gateway unless said), from `from` (127.0.0.1 unless said). */
const call = (
  name: string,
  scenario: 'uac-call.xml' | 'uac-refused.xml',
  requestUri: string,
  callId: string,
  { via = gateway, from }: { via?: Kamailio; from?: string } = {},
) =>
  callThroughGateway({
    name,
    dir,
    scenario,
    gatewayPort: via.port,
    requestUri,
    callId,
    ...(from === undefined ? {} : { sourceAddress: from }),
  });

/** The SIPp servers of the running test; stopped after it, so a failed test leaves no port taken. */
const serversOfThisTest: SippServer[] = [];
afterEach(async () => {
  await Promise.all(serversOfThisTest.splice(0).map((server) => server.stop()));
});

async function voicemailServer(name: string, port: number, scenario: 'uas-answer.xml' | 'uas-unavailable.xml' = 'uas-answer.xml') {
  const server = await startSippServer({ name, dir, scenario, port });
  serversOfThisTest.push(server);
  return server;
}

describe('voicemail-bound INVITEs through the Kamailio example', () => {
  it('relays an on-premises user’s call to the first UM server the service names, with the voicemail Request-URI', async () => {
    const callId = await callIdFirstServedBy('um02', 'on-premises');
    const first = await voicemailServer('on-premises-um02', ports.um02);
    const other = await voicemailServer('on-premises-um01', ports.um01);
    const answered = await call('on-premises-caller', 'uac-call.xml', ALICE, callId);
    expect(finalAnswer(answered).status).toBe(200);
    expect(answered.exitCode, 'the caller completed the call').toBe(0);
    await first.callEnded();
    expect(inviteReceived(first)?.firstLine).toBe(`INVITE ${ALICE} SIP/2.0`);
    expect(inviteReceived(first)?.headers['call-id']).toEqual([callId]);
    expect(inviteReceived(first)?.headers['ms-exum-destination']).toBeUndefined();
    // ACK and BYE follow the gateway's Record-Route: it stays in the call.
    expect(methodsReceived(first)).toEqual(['INVITE', 'ACK', 'BYE']);
    await other.stop();
    expect(requestsReceived(other)).toEqual([]);
  });

  it('relays a hosted user’s call to the edge with the Ms-Exum-Destination and Ms-Exum-Organization headers', async () => {
    const edge = await voicemailServer('hosted-edge', ports.edge);
    // RFC 3261 allows quotes and backslashes in a Call-ID: the JSON question must escape them.
    const callId = 'hosted-"1"\\@caller.contoso.com';
    const answered = await call('hosted-caller', 'uac-call.xml', BOB, callId);
    expect(finalAnswer(answered).status).toBe(200);
    expect(answered.exitCode, 'the caller completed the call').toBe(0);
    await edge.callEnded();
    const invite = inviteReceived(edge);
    expect(invite?.firstLine).toBe(`INVITE ${BOB} SIP/2.0`);
    expect(invite?.headers['call-id']).toEqual([callId]);
    expect(invite?.headers['ms-exum-destination']).toEqual(['exap.um.outlook.com']);
    expect(invite?.headers['ms-exum-organization']).toEqual(['contoso.onmicrosoft.com']);
  });

  it('resolves the Subscriber Access number it is configured with, and relays to the contact’s SIP URI', async () => {
    const callId = await callIdFirstServedBy('um01', 'subscriber-access', SUBSCRIBER_ACCESS, 'subscriber-access');
    const first = await voicemailServer('sa-um01', ports.um01);
    const other = await voicemailServer('sa-um02', ports.um02);
    const answered = await call('sa-caller', 'uac-call.xml', `sip:${SUBSCRIBER_ACCESS}@contoso.com;user=phone`, callId);
    expect(finalAnswer(answered).status).toBe(200);
    expect(answered.exitCode, 'the caller completed the call').toBe(0);
    await first.callEnded();
    expect(inviteReceived(first)?.firstLine).toBe('INVITE sip:exum-sa@contoso.com SIP/2.0');
    await other.stop();
    expect(requestsReceived(other)).toEqual([]);
  });
});

describe('failover to the alternates', () => {
  it('tries the next UM server when the first answers 503, and the call completes there', async () => {
    const callId = await callIdFirstServedBy('um01', 'failover-503');
    const unavailable = await voicemailServer('503-um01', ports.um01, 'uas-unavailable.xml');
    const second = await voicemailServer('503-um02', ports.um02);
    const answered = await call('503-caller', 'uac-call.xml', ALICE, callId);
    expect(finalAnswer(answered).status).toBe(200);
    expect(answered.exitCode, 'the caller completed the call').toBe(0);
    await Promise.all([unavailable.callEnded(), second.callEnded()]);
    expect(methodsReceived(unavailable)).toEqual(['INVITE', 'ACK']);
    expect(inviteReceived(second)?.firstLine).toBe(`INVITE ${ALICE} SIP/2.0`);
    expect(methodsReceived(second)).toEqual(['INVITE', 'ACK', 'BYE']);
  });

  it('tries the next UM server when the first does not answer within the hop timeout', async () => {
    const callId = await callIdFirstServedBy('um02', 'failover-down');
    const second = await voicemailServer('down-um01', ports.um01);
    const answered = await call('down-caller', 'uac-call.xml', ALICE, callId);
    expect(finalAnswer(answered).status).toBe(200);
    expect(answered.exitCode, 'the caller completed the call').toBe(0);
    expect(answered.elapsedMs).toBeGreaterThanOrEqual(HOP_TIMEOUT_MS);
    await second.callEnded();
    expect(inviteReceived(second)?.firstLine).toBe(`INVITE ${ALICE} SIP/2.0`);
  });

  it('reroutes to the auto attendant number through the PSTN gateway when every UM server fails', async () => {
    const servers = [
      await voicemailServer('reroute-um01', ports.um01, 'uas-unavailable.xml'),
      await voicemailServer('reroute-um02', ports.um02, 'uas-unavailable.xml'),
    ];
    const pstn = await voicemailServer('reroute-pstn', ports.pstn);
    const answered = await call('reroute-caller', 'uac-call.xml', ALICE, 'reroute-1@caller.contoso.com');
    expect(finalAnswer(answered).status).toBe(200);
    expect(answered.exitCode, 'the caller completed the call').toBe(0);
    await Promise.all([...servers, pstn].map((server) => server.callEnded()));
    expect(servers.map(methodsReceived)).toEqual([
      ['INVITE', 'ACK'],
      ['INVITE', 'ACK'],
    ]);
    expect(inviteReceived(pstn)?.firstLine).toBe(`INVITE sip:${AUTO_ATTENDANT_REROUTING}@127.0.0.1;user=phone SIP/2.0`);
  });
});

describe('rejections relayed to the caller', () => {
  it.each([
    ['an unknown user', 404, 15010, 'sip:nobody@contoso.com;opaque=app:voicemail'],
    ['a disabled user', 480, 15020, 'sip:dave@contoso.com;opaque=app:voicemail'],
  ])('%s: %i, with diagnostic %i in ms-diagnostics', async (_, status, code, target) => {
    const refused = await call(`reject-${status}`, 'uac-refused.xml', target, `reject-${status}@caller.contoso.com`);
    const answer = finalAnswer(refused);
    expect(answer.status).toBe(status);
    expect(refused.exitCode, 'the caller acknowledged the refusal').toBe(0);
    expect(answer.headers['ms-diagnostics']?.[0]).toMatch(new RegExp(`^${code};reason="[^"]+";source="exum-router"$`));
  });
});

describe('sources the gateway does not trust', () => {
  it('refuses their voicemail-bound INVITEs with 403', async () => {
    const refused = await call('untrusted-caller', 'uac-refused.xml', ALICE, 'untrusted-1@caller.contoso.com', { from: '127.0.0.2' });
    expect(finalAnswer(refused).status).toBe(403);
    expect(refused.exitCode, 'the caller acknowledged the refusal').toBe(0);
  });
});

describe('when the service cannot answer, the caller gets a SIP error at once', () => {
  const silentSockets: Socket[] = [];
  const silent = createServer((socket) => silentSockets.push(socket));
  const gateways: Record<string, Kamailio> = {};

  /** A TCP port nothing listens on, and the silent server's: it accepts connections and never answers. */
  async function deadAndSilentUrls() {
    const listen = (server: Server) =>
      new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    const closed = createServer();
    const closedPort = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    return { unreachable: `https://127.0.0.1:${closedPort}`, silent: `https://127.0.0.1:${await listen(silent)}` };
  }

  beforeAll(async () => {
    const urls = await deadAndSilentUrls();
    const [badToken, unreachable, silentPort] = freeUdpPorts(3) as [number, number, number];
    const start = (name: string, port: number, url: string, token: string, defines: Record<string, number> = {}) =>
      startKamailio({ name, dir, config: CONFIG, port, defines: serviceDefines(url, defines), env: { EXUM_GATEWAY_TOKEN: token } });
    [gateways.badToken, gateways.unreachable, gateways.silent] = await Promise.all([
      start('gateway-bad-token', badToken, service.url, 'exum_not_a_credential_of_this_service'),
      start('gateway-unreachable', unreachable, urls.unreachable, gatewayToken),
      start('gateway-silent', silentPort, urls.silent, gatewayToken, { EXUM_HTTP_TIMEOUT: SILENT_SERVICE_TIMEOUT_S }),
    ]);
  }, 300_000);

  afterAll(async () => {
    for (const socket of silentSockets) socket.destroy();
    if (silent.listening) await new Promise((resolve) => silent.close(resolve));
  });

  it.each([
    ['the gateway token is refused (401)', 500, 'badToken', 3_000],
    ['the service is unreachable', 503, 'unreachable', 3_000],
    ['the service does not answer within EXUM_HTTP_TIMEOUT', 503, 'silent', SILENT_SERVICE_TIMEOUT_S * 1_000 + 3_000],
  ])('%s: %i', async (_, status, which, withinMs) => {
    const refused = await call(`service-${which}`, 'uac-refused.xml', ALICE, `service-${which}@caller.contoso.com`, {
      via: gateways[which]!,
    });
    expect(finalAnswer(refused).status).toBe(status);
    expect(refused.exitCode, 'the caller acknowledged the refusal').toBe(0);
    expect(refused.elapsedMs).toBeLessThan(withinMs);
  });
});

// Issue 16: kept connections, several service URLs, answers kept per target (Cache-Control),
// stale answers through an outage, the migration flip, and the voicemail numbers learned.

/** Waits until `condition` holds, polling: bounds are generous (the machine may be 3x slower). */
async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const listenOnLoopback = (server: Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const closed = createServer();
  const port = await listenOnLoopback(closed);
  await new Promise((resolve) => closed.close(resolve));
  return port;
}

/** A TCP relay to the service, as a region's address that the test can cut (TLS passes through it). */
async function relayToService(): Promise<{ url: string; cut: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect(service.port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  const port = await listenOnLoopback(relay);
  return {
    url: `https://127.0.0.1:${port}`,
    cut: () =>
      new Promise<void>((resolve) => {
        relay.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** An HTTPS server that answers 503 to every request: a region whose store is down. */
async function unavailableService(): Promise<{ url: string; resolves: () => number; stop: () => Promise<void> }> {
  let resolves = 0;
  const server = createHttpsServer({ cert: readFileSync(tls.serverCert), key: readFileSync(tls.serverKey) }, (request, response) => {
    if (request.url === '/v1/resolve') resolves++;
    request.resume();
    response.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' }).end('{"status":503}');
  });
  const port = await listenOnLoopback(server);
  return {
    url: `https://127.0.0.1:${port}`,
    resolves: () => resolves,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Another Kamailio on the example, asking `urls` in order (EXUM_RESOLVE_URL, _2, _3), the test hosts pinned. */
async function startGateway(name: string, urls: string[], extra: Record<string, string | number> = {}): Promise<Kamailio> {
  const [port] = freeUdpPorts(1) as [number];
  const [first, ...others] = urls as [string, ...string[]];
  const more = Object.fromEntries(others.map((url, index) => [`EXUM_RESOLVE_URL_${index + 2}`, `${url}/v1/resolve`]));
  const started = await startKamailio({
    name,
    dir,
    config: CONFIG,
    port,
    defines: { ...serviceDefines(first, extra), ...more },
    env: { EXUM_GATEWAY_TOKEN: gatewayToken },
  });
  for (const host of [...Object.values(UM_HOSTS), 'edge.exum.test']) started.addHost(host, '127.0.0.1');
  return started;
}

describe('the connection to the service', () => {
  it('is kept open: each worker asks over one connection, not one per call', async () => {
    const sockets = new Set<Socket>();
    let resolves = 0;
    const onRequest = (request: IncomingMessage) => {
      if (request.url !== '/v1/resolve') return;
      resolves++;
      sockets.add(request.socket);
    };
    service.server.on('request', onRequest);
    try {
      for (let index = 0; index < 6; index++) {
        const refused = await call(
          `reuse-${index}`,
          'uac-refused.xml',
          'sip:nobody@contoso.com;opaque=app:voicemail',
          `reuse-${index}@c.com`,
        );
        expect(finalAnswer(refused).status).toBe(404);
      }
    } finally {
      service.server.off('request', onRequest);
    }
    // Every call asked (an unknown user's answer has max-age 0 here), over at most one
    // connection per worker (EXUM_WORKERS 2), whichever connections earlier tests opened.
    expect(resolves).toBe(6);
    expect(sockets.size).toBeGreaterThanOrEqual(1);
    expect(sockets.size).toBeLessThanOrEqual(2);
  });
});

describe('several service URLs', () => {
  it('asks the next URL when one answers 503 and the next cannot be reached; the call reaches the edge', async () => {
    const unavailable = await unavailableService();
    try {
      const failover = await startGateway('gateway-failover', [unavailable.url, `https://127.0.0.1:${await closedPort()}`, service.url]);
      const edge = await voicemailServer('url-failover-edge', ports.edge);
      const answered = await call('url-failover-caller', 'uac-call.xml', BOB, 'url-failover-1@caller.contoso.com', { via: failover });
      expect(finalAnswer(answered).status).toBe(200);
      expect(answered.exitCode, 'the caller completed the call').toBe(0);
      await edge.callEnded();
      expect(inviteReceived(edge)?.headers['ms-exum-destination']).toEqual(['exap.um.outlook.com']);
      expect(unavailable.resolves()).toBe(1);
      expect(failover.log()).toMatch(/url-failover-1@caller\.contoso\.com resolve URL 1 of 3 failed: 503/);
      expect(failover.log()).toMatch(/url-failover-1@caller\.contoso\.com resolve URL 2 of 3 failed: 7/);
    } finally {
      await unavailable.stop();
    }
  });
});

describe('an outage of the service', () => {
  let relay: Awaited<ReturnType<typeof relayToService>>;
  let outage: Kamailio;

  beforeAll(async () => {
    relay = await relayToService();
    outage = await startGateway('gateway-outage', [relay.url]);
  });

  it('serves targets answered before from their last good answers (stale-if-error), and refuses a never-seen target with 503', async () => {
    // The service up: Alice (on premises, starting at um01 for this Call-ID) and Bob (hosted).
    const aliceCallId = await callIdFirstServedBy('um01', 'outage-alice');
    const um01 = await voicemailServer('outage-up-um01', ports.um01);
    expect(finalAnswer(await call('outage-up-alice', 'uac-call.xml', ALICE, aliceCallId, { via: outage })).status).toBe(200);
    await um01.callEnded();
    const edge = await voicemailServer('outage-up-edge', ports.edge);
    expect(finalAnswer(await call('outage-up-bob', 'uac-call.xml', BOB, 'outage-up-bob@caller.contoso.com', { via: outage })).status).toBe(
      200,
    );
    await edge.callEnded();

    await relay.cut();

    // The service unreachable: both still reach their voicemail, from the answers kept.
    const um01During = await voicemailServer('outage-down-um01', ports.um01);
    const aliceDuring = await call('outage-down-alice', 'uac-call.xml', ALICE, 'outage-down-alice@caller.contoso.com', { via: outage });
    expect(finalAnswer(aliceDuring).status).toBe(200);
    expect(aliceDuring.exitCode, 'the caller completed the call').toBe(0);
    await um01During.callEnded();
    expect(inviteReceived(um01During)?.firstLine).toBe(`INVITE ${ALICE} SIP/2.0`);
    const edgeDuring = await voicemailServer('outage-down-edge', ports.edge);
    const bobDuring = await call('outage-down-bob', 'uac-call.xml', BOB, 'outage-down-bob@caller.contoso.com', { via: outage });
    expect(finalAnswer(bobDuring).status).toBe(200);
    await edgeDuring.callEnded();
    expect(inviteReceived(edgeDuring)?.headers['ms-exum-destination']).toEqual(['exap.um.outlook.com']);
    expect(outage.log()).toMatch(
      /outage-down-bob@caller\.contoso\.com resolve failed: 7, using the stale answer for voicemail sip:bob@contoso\.com/,
    );

    // A target this gateway never asked about: nothing to serve it from.
    const carol = await call('outage-down-carol', 'uac-refused.xml', 'sip:carol@contoso.com;opaque=app:voicemail', 'outage-carol@c.com', {
      via: outage,
    });
    expect(finalAnswer(carol).status).toBe(503);
    expect(carol.exitCode, 'the caller acknowledged the refusal').toBe(0);
  });
});

describe('a migration, with the service up', () => {
  const FRANK = 'sip:frank@contoso.com';

  it('sends a migrated user’s first call after ready to the hosted edge, although the gateway kept its on-premises answer', async () => {
    await expectCreated(
      api.post(`${T}/users`, {
        sipUri: FRANK,
        lineUri: 'tel:+14255557100',
        enterpriseVoiceEnabled: true,
        onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' },
      }),
    );
    const exo = api.as((await expectCreated(api.post(`${T}/credentials`, { role: 'provider', name: 'exo', providerId: 'exo' }))).token);
    const target = `${FRANK};opaque=app:voicemail`;

    const um01 = await voicemailServer('migration-before-um01', ports.um01);
    const before = await call('migration-before', 'uac-call.xml', target, await callIdFirstServedBy('um01', 'migration-before', target));
    expect(finalAnswer(before).status).toBe(200);
    await um01.callEnded();
    expect(inviteReceived(um01)?.firstLine).toBe(`INVITE ${target} SIP/2.0`);

    const started = await api.post(`${T}/migrations`, { users: [FRANK], providerId: 'exo', grantPolicy: 'ExOnline' });
    expect([201, 202], JSON.stringify(started.body)).toContain(started.status);
    const migrationId = started.body.id as string;
    const userState = async () =>
      ((await api.get(`${T}/migrations/${migrationId}`)).body.users as { sipUri: string; state: string }[] | undefined)?.find(
        (user) => user.sipUri === FRANK,
      )?.state;
    await waitUntil('the wave requested', async () => (await userState()) === 'requested');
    const ready = await exo.put(`${T}/migrations/${migrationId}/users/${FRANK}/answer`, { status: 'ready' });
    expect(ready.status, JSON.stringify(ready.body)).toBe(200);

    // The next call: hosted at once (users' answers have max-age 0: never reused while the service answers).
    const edge = await voicemailServer('migration-after-edge', ports.edge);
    const after = await call('migration-after', 'uac-call.xml', target, 'migration-after@caller.contoso.com');
    expect(finalAnswer(after).status).toBe(200);
    expect(after.exitCode, 'the caller completed the call').toBe(0);
    await edge.callEnded();
    expect(inviteReceived(edge)?.headers['ms-exum-destination']).toEqual(['exap.um.outlook.com']);
  });
});

describe('the voicemail numbers, learned from the service', () => {
  const NEW_AUTO_ATTENDANT = '+14255550177';
  const learned = (gateway: Kamailio) => [...gateway.log().matchAll(/learned (\d+) voicemail numbers/g)].map((match) => Number(match[1]));

  it('routes a number added to the service once the gateway refreshed its list, and not before; an unchanged list costs a 304', async () => {
    // The status of each read of the list, as the service answered it.
    const reads: number[] = [];
    const onRequest = (request: IncomingMessage, response: ServerResponse) => {
      if (request.url === '/v1/voicemail-numbers') response.on('finish', () => reads.push(response.statusCode));
    };
    service.server.on('request', onRequest);
    try {
      await learnNumbers();
      await waitUntil('an unchanged list read again', () => reads.includes(304));
    } finally {
      service.server.off('request', onRequest);
    }
    // The gateway sent the list's ETag back (If-None-Match, read from the body) and kept its list on 304.
    expect(reads[0]).toBe(200);
    expect(reads).toContain(304);
  });

  async function learnNumbers() {
    const numbers = await startGateway('gateway-numbers', [service.url], { EXUM_NUMBERS_REFRESH_S: 1 });
    await waitUntil('the first list', () => learned(numbers).length > 0);
    expect(learned(numbers).at(-1)).toBe(1);
    const dialled = `sip:${NEW_AUTO_ATTENDANT}@contoso.com;user=phone`;
    const unknown = await call('numbers-before', 'uac-refused.xml', dialled, 'numbers-before@caller.contoso.com', { via: numbers });
    expect(finalAnswer(unknown).status).toBe(404);

    await expectCreated(
      api.post(`${T}/contacts`, {
        sipUri: 'sip:exum-aa@contoso.com',
        displayNumber: NEW_AUTO_ATTENDANT,
        kind: 'auto-attendant',
        onPremisesDialPlan: 'dp.contoso.com',
      }),
    );
    await waitUntil('the list with the new number', () => learned(numbers).at(-1) === 2);

    const callId = await callIdFirstServedBy('um02', 'numbers-after', NEW_AUTO_ATTENDANT, 'auto-attendant');
    const um02 = await voicemailServer('numbers-um02', ports.um02);
    const answered = await call('numbers-after', 'uac-call.xml', dialled, callId, { via: numbers });
    expect(finalAnswer(answered).status).toBe(200);
    expect(answered.exitCode, 'the caller completed the call').toBe(0);
    await um02.callEnded();
    expect(inviteReceived(um02)?.firstLine).toBe('INVITE sip:exum-aa@contoso.com SIP/2.0');
  }
});

describe('how long the gateway keeps answers', () => {
  const DAVE = 'sip:dave@contoso.com;opaque=app:voicemail';
  const NOBODY = 'sip:nobody@contoso.com;opaque=app:voicemail';

  it('uses an answer within its max-age without asking (an unknown target: the configuration bound), and asks every time for a user (max-age 0)', async () => {
    // A second service on the same table whose configuration bound is 30 s: its answers about
    // targets that are not users say max-age=30.
    const bounded = await startLocalService({
      port: 0,
      tableName,
      operatorToken: OPERATOR_TOKEN,
      dynamoEndpoint: inject('dynamoEndpoint'),
      logLevel: 'SILENT',
      configCacheMs: 30_000,
      credentialCacheMs: 0,
      streamProcessor: false,
      tls: { cert: readFileSync(tls.serverCert), key: readFileSync(tls.serverKey), clientCa: readFileSync(tls.ca) },
    });
    try {
      let resolves = 0;
      bounded.server.on('request', (request: IncomingMessage) => {
        if (request.url === '/v1/resolve') resolves++;
      });
      const maxAge = await startGateway('gateway-max-age', [bounded.url]);
      for (const index of [1, 2]) {
        const refused = await call(`max-age-nobody-${index}`, 'uac-refused.xml', NOBODY, `max-age-nobody-${index}@c.com`, { via: maxAge });
        expect(finalAnswer(refused).status).toBe(404);
        expect(finalAnswer(refused).headers['ms-diagnostics']?.[0]).toMatch(/^15010;/);
      }
      expect(resolves, 'the second call used the fresh answer').toBe(1);
      expect(maxAge.log()).toMatch(
        /max-age-nobody-2@c\.com voicemail sip:nobody@contoso\.com;opaque=app:voicemail: reject \(fresh answer\)/,
      );
      for (const index of [1, 2]) {
        const refused = await call(`max-age-dave-${index}`, 'uac-refused.xml', DAVE, `max-age-dave-${index}@c.com`, { via: maxAge });
        expect(finalAnswer(refused).status).toBe(480);
      }
      expect(resolves, 'each call about a user asked').toBe(3);
    } finally {
      await bounded.stop();
    }
  });

  it('serves no stale answer through an outage when EXUM_STALE_IF_ERROR is 0', async () => {
    const relay = await relayToService();
    const noStale = await startGateway('gateway-no-stale', [relay.url], { EXUM_STALE_IF_ERROR: 0 });
    const before = await call('no-stale-before', 'uac-refused.xml', DAVE, 'no-stale-before@c.com', { via: noStale });
    expect(finalAnswer(before).status).toBe(480);
    await relay.cut();
    const during = await call('no-stale-during', 'uac-refused.xml', DAVE, 'no-stale-during@c.com', { via: noStale });
    expect(finalAnswer(during).status).toBe(503);
  });

  it("follows the tenant's setting, which each answer carries: staleIfErrorSeconds 0 serves no stale answer", async () => {
    expect((await api.put(`${T}/gateway-settings`, { staleIfErrorSeconds: 0 })).status).toBe(200);
    try {
      const relay = await relayToService();
      const gateway = await startGateway('gateway-tenant-no-stale', [relay.url]);
      // The answer the gateway keeps says 0 once the service's configuration has the new setting.
      await waitUntil(
        'the setting in the answers',
        async () => (await api.as(gatewayToken).post('/v1/resolve', { target: DAVE })).body.staleIfErrorSeconds === 0,
      );
      const before = await call('tenant-no-stale-before', 'uac-refused.xml', DAVE, 'tenant-no-stale-before@c.com', { via: gateway });
      expect(finalAnswer(before).status).toBe(480);
      await relay.cut();
      const during = await call('tenant-no-stale-during', 'uac-refused.xml', DAVE, 'tenant-no-stale-during@c.com', { via: gateway });
      expect(finalAnswer(during).status).toBe(503);
    } finally {
      expect((await api.put(`${T}/gateway-settings`, { staleIfErrorSeconds: 86_400 })).status).toBe(200);
    }
  });
});
