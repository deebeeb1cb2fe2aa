// The gateway example at work: Kamailio runs examples/kamailio/kamailio.cfg itself and asks the
// service, over mutual TLS, where each voicemail-bound INVITE goes; SIPp plays the caller, the UM
// servers, the edge and the PSTN gateway on loopback. Needs kamailio and sipp (.ci/run installs them).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../local/local-service.js';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import type { ApiClient } from '../support/service.js';
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
import { makeTlsFiles, startTlsTestService, tlsApiClient, type TlsFiles } from '../support/tls-service.js';

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
  service = await startTlsTestService(tls);
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
