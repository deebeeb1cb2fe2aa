// Provider events through the local stream processor to a local provider: deliveries per
// second, and how soon a provider's "ready" shows in routing.
import { startLocalService } from '../local/local-service.js';
import { PROVIDER_SECRET } from '../test/support/provider-server.js';
import { apiClient } from '../test/support/service.js';
import { startBenchProcess, stopBenchProcess } from './child-process.js';
import { ownCpuMicros } from './cpu.js';

/** The provider runs in a process of its own, as a real provider would be elsewhere. */
async function startProviderProcess() {
  const { child, line: url } = await startBenchProcess('bench/provider-process.ts');
  const counts = async (): Promise<Record<string, number>> =>
    (await fetch(url.replace(/\/events$/, '/counts'))).json() as Promise<Record<string, number>>;
  return {
    url,
    async waitFor(type: string, count: number, timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (((await counts())[type] ?? 0) < count) {
        if (Date.now() > deadline) throw new Error(`the provider got ${JSON.stringify(await counts())}, not ${count} ${type}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: () => stopBenchProcess(child),
  };
}

const OPERATOR = 'exum_bench_events_operator_token_00000001';

export async function measureProviderEvents(endpoint: string, contacts = 1000, migrated = 20) {
  const provider = await startProviderProcess();
  const service = await startLocalService({
    port: 0,
    tableName: 'bench-events',
    operatorToken: OPERATOR,
    dynamoEndpoint: endpoint,
    logLevel: 'ERROR',
    configCacheMs: 60_000,
    credentialCacheMs: 60_000,
    // The bench's provider listens on this machine.
    allowLoopbackProviders: true,
  });
  const api = apiClient(service, OPERATOR);
  const T = '/v1/tenants/eventco';
  /** The fields of the answers read here. */
  interface Body {
    id: string;
    token: string;
  }
  const ok = async (answer: Promise<{ status: number; body: unknown }>): Promise<Body> => {
    const { status, body } = await answer;
    if (status >= 300) throw new Error(`${status}: ${JSON.stringify(body)}`);
    return body as Body;
  };
  try {
    await ok(api.post('/v1/tenants', { id: 'eventco', name: 'Event Co', domains: ['eventco.com'] }));
    await ok(api.put(`${T}/edge`, { routingMode: 'dns-srv', allowFederatedUsers: true }));
    await ok(
      api.post(`${T}/hosting-providers`, {
        id: 'exo',
        proxyFqdn: 'exap.um.outlook.com',
        enabled: true,
        sharedAddressSpace: true,
        eventEndpoint: { url: provider.url, secret: PROVIDER_SECRET },
      }),
    );
    await ok(
      api.post(`${T}/voicemail-policies`, {
        id: 'tag:ExOnline',
        destination: 'exap.um.outlook.com',
        organizations: ['eventco.onmicrosoft.com'],
      }),
    );
    await service.streamDriver!.drained(30_000);

    // 1. Deliveries per second: queue events with the processor stopped, then let it run.
    await service.streamDriver!.stop();
    for (let start = 0; start < contacts; start += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, contacts - start) }, (_, offset) =>
          ok(
            api.post(`${T}/contacts`, {
              sipUri: `sip:sa${start + offset}@eventco.com`,
              displayNumber: `+1206555${String(start + offset).padStart(4, '0')}`,
              hostedVoicemailPolicy: 'ExOnline',
            }),
          ),
        ),
      );
    }
    const restarted = await startLocalService({
      port: 0,
      tableName: 'bench-events',
      operatorToken: OPERATOR,
      dynamoEndpoint: endpoint,
      logLevel: 'ERROR',
      configCacheMs: 60_000,
      credentialCacheMs: 60_000,
      allowLoopbackProviders: true,
    });
    const startedAt = performance.now();
    // The CPU time of this process, which runs the stream processor, while it delivers them: the
    // figure that holds still on a shared machine. (Its other work meanwhile, polling the
    // provider's counts every 20 ms and an idle server, counts too: the figure errs high.)
    const cpuBefore = ownCpuMicros();
    await provider.waitFor('contact.created', contacts, 300_000);
    const cpuMicrosPerProviderEvent = (ownCpuMicros() - cpuBefore) / contacts;
    const providerEventsPerSecond = contacts / ((performance.now() - startedAt) / 1000);

    // 2. Ready to hosted: each user's first resolution after the provider's answer.
    const rapi = apiClient(restarted, OPERATOR);
    const gateway = apiClient(restarted, (await ok(rapi.post(`${T}/credentials`, { role: 'gateway', name: 'gw' }))).token);
    const exo = apiClient(restarted, (await ok(rapi.post(`${T}/credentials`, { role: 'provider', name: 'exo', providerId: 'exo' }))).token);
    const users = Array.from({ length: migrated }, (_, index) => `sip:mig${index}@eventco.com`);
    for (const sipUri of users) await ok(rapi.post(`${T}/users`, { sipUri, enterpriseVoiceEnabled: true }));
    const migration = await ok(rapi.post(`${T}/migrations`, { users, providerId: 'exo', grantPolicy: 'ExOnline', waveSize: migrated }));
    await provider.waitFor('user.migration.requested', migrated, 60_000);
    const readyToHostedMs: number[] = [];
    let flippedOnNextCall = 0;
    for (const sipUri of users) {
      await ok(exo.put(`${T}/migrations/${migration.id}/users/${sipUri}/answer`, { status: 'ready' }));
      const answeredAt = performance.now();
      const next: { body: { decision?: string } } = await gateway.post('/v1/resolve', { target: sipUri });
      readyToHostedMs.push(performance.now() - answeredAt);
      if (next.body.decision === 'hosted') flippedOnNextCall++;
    }
    await restarted.stop();
    return {
      providerEventsPerSecond: Math.round(providerEventsPerSecond),
      cpuMicrosPerProviderEvent: Math.round(cpuMicrosPerProviderEvent),
      readyToHostedMs: Math.round(Math.max(...readyToHostedMs) * 10) / 10,
      readyFlipsOnNextCall: `${flippedOnNextCall}/${migrated}`,
    };
  } finally {
    await service.stop().catch(() => undefined);
    await provider.stop();
  }
}
