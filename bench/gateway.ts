// The gateway benchmark (phase `gateway` of npm run bench): SIPp callers through the Kamailio
// example (examples/kamailio/kamailio.cfg, the product configuration, settings only through -A
// defines) to SIPp callees on loopback, at call rates raised in steps until calls fail or
// retransmit, (a) with the gateway asking the local service (bench/serve.ts, its own process, over
// its own DynamoDB Local) and (b) with the same Kamailio relaying to the same callee with no
// question (EXUM_STATIC_NEXT_HOP), the two interleaved rate by rate so that a busy moment of the
// shared machine falls on both. Then an outage: the service killed in the middle of a run, the
// calls to targets answered before it counted by where they arrived, and those to never-seen
// targets by their 503. Every step's CPU (Kamailio's processes, the service, DynamoDB Local,
// SIPp) is sampled from /proc, to say what bound it.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiDeps } from '../functions/wiring/deps.js';
import type { ManagementDeps } from '../lib/management/write-context.js';
import { createDynamoClient } from '../lib/store/client.js';
import { ensureTable } from '../lib/store/create-table.js';
import { ExumStore } from '../lib/store/exum-store.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import {
  boundUdpPorts,
  freeUdpPorts,
  readSippMessages,
  sipToolsInstalled,
  spawnSipp,
  startKamailio,
  stopSipProcesses,
  type Kamailio,
  type SipProcess,
} from '../test/support/sip-tools.js';
import { startBenchProcess, stopBenchProcess } from './child-process.js';
import { seedTenantConfig, seedToken, seedUsers } from './seed.js';
import { median, quantile, round } from './stats.js';

const CONFIG = fileURLToPath(new URL('../examples/kamailio/kamailio.cfg', import.meta.url));
const SCENARIOS = fileURLToPath(new URL('./fixtures/sipp/', import.meta.url));
const TABLE = 'bench-gateway';
const OPERATOR_TOKEN = 'exum_bench_operator_token_000000000000';
const USERS = 1000;
/** Call rates (calls/s) tried in order; each step is STEP_SECONDS of calls. */
const RATES = [25, 50, 100, 150, 200, 300, 400, 600, 800, 1000, 1500, 2000];
const STEP_SECONDS = 3;
/** Calls resolved at the same time: the example's default, 8, unless BENCH_GATEWAY_WORKERS says (to size children). */
const WORKERS = Number(process.env.BENCH_GATEWAY_WORKERS ?? 8);
const UM_HOST = 'um01.bench.test';
const EDGE_HOST = 'edge.bench.test';
const CLOCK_TICKS = 100;
/** Kamailio's shared memory (-m), MB: Debian's default is 64; 256 keeps memory out of the figures. */
const SHARED_MEMORY_MB = 256;

/** The bench tenant with its one UM server and its edge on loopback (UDP): seeded users go there. */
const seedGatewayTenant = (deps: ManagementDeps, umPort: number, edgePort: number) =>
  seedTenantConfig(deps, {
    edgeNextHop: `sip:${EDGE_HOST}:${edgePort};transport=udp`,
    voipSecurity: 'unsecured',
    umServers: [{ fqdn: UM_HOST, port: umPort, transport: 'udp' }],
  });

/** Seeded user `index` (bench/seed.ts): every third is hosted (the edge), the others on premises (the UM server). */
const calleeOf = (index: number): 'edge' | 'um' => (index % 3 === 0 ? 'edge' : 'um');
const injectionLine = (index: number) => `user${index}@bench.example.com;`;

// CPU, from /proc: clock ticks (user + system) of processes, by process id or by process group.
interface ProcStat {
  pid: number;
  pgrp: number;
  ticks: number;
}
function procStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.push({ pid: Number(entry), pgrp: Number(fields[2]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return stats;
}
/** Which processes make up each party: Kamailio by process group (its workers), the others by pid. */
type Parties = Record<string, { pids?: number[]; groups?: number[] }>;
function cpuTicks(parties: Parties): Record<string, number> {
  const stats = procStats();
  return Object.fromEntries(
    Object.entries(parties).map(([name, { pids = [], groups = [] }]) => [
      name,
      stats.filter((stat) => pids.includes(stat.pid) || groups.includes(stat.pgrp)).reduce((sum, stat) => sum + stat.ticks, 0),
    ]),
  );
}
/** The whole machine's busy clock ticks (every core), from /proc/stat: what the other helpers' load leaves. */
function machineTicks(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return user + nice + system + irq + softirq + steal;
}
/** Percent of one core each party used between two samples. */
const cpuPercent = (before: Record<string, number>, after: Record<string, number>, seconds: number) =>
  Object.fromEntries(
    Object.keys(after).map((name) => [name, Math.round(((after[name]! - (before[name] ?? 0)) / CLOCK_TICKS / seconds) * 100)]),
  );
const showCpu = (cpu: Record<string, number>) =>
  Object.entries(cpu)
    .map(([name, percent]) => `${name} ${percent}%`)
    .join(', ');

/** SIPp's -trace_stat file: its last row (the final dump), by column. */
function lastStats(file: string): Record<string, string> {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const header = lines[0]!.split(';');
  const last = lines.at(-1)!.split(';');
  return Object.fromEntries(header.map((name, index) => [name, last[index] ?? '']));
}

/** SIPp's -trace_rtt file (<scenario>_<pid>_rtt.csv): the response times in ms. */
function responseTimes(dir: string): number[] {
  const file = readdirSync(dir).find((name) => name.endsWith('_rtt.csv'));
  if (file === undefined) return [];
  return readFileSync(join(dir, file), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => Number(line.split(';')[1]))
    .filter((ms) => Number.isFinite(ms));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function untilBound(port: number, what: string, process_: SipProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!boundUdpPorts().has(port)) {
    if (process_.exitCode() !== undefined) throw new Error(`${what} exited with ${String(process_.exitCode())}`);
    if (Date.now() > deadline) throw new Error(`${what}: port ${port} not bound after 30 s`);
    await sleep(100);
  }
}

interface Step {
  variant: 'gateway' | 'static';
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  retransmissions: number;
  clean: boolean;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  cpu: Record<string, number>;
}

const showStep = (step: Step) =>
  `${step.variant} ${step.rate}/s: ${step.clean ? 'clean' : 'NOT clean'} (${step.successful}/${step.calls} ok, ${step.failed} failed, ${step.retransmissions} retransmissions; INVITE→200 p50 ${step.p50Ms} ms, p99 ${step.p99Ms} ms, mean ${step.meanMs} ms; ${step.seconds} s; CPU ${showCpu(step.cpu)})`;

export async function measureGateway(options: { log: (message: string) => void }): Promise<Record<string, number | string | boolean>> {
  const { log } = options;
  if (!sipToolsInstalled()) {
    log('bench: gateway skipped: kamailio/sipp not installed');
    return { gatewaySkipped: 'kamailio/sipp not installed' };
  }
  const loadBefore = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'exum-bench-gateway-'));
  const [umPort, edgePort, servicePort, staticPort, outagePort] = freeUdpPorts(5) as [number, number, number, number, number];
  const dynamo = await startDynamoDbLocal();
  const client = createDynamoClient({ endpoint: dynamo.endpoint, requestTimeoutMs: 60_000 });
  let service: Awaited<ReturnType<typeof startBenchProcess>>['child'] | undefined;
  try {
    await ensureTable(client, TABLE);
    const deps = createApiDeps(new ExumStore(client, TABLE), { configCacheMs: 60_000 });
    await seedGatewayTenant(deps, umPort, edgePort);
    await seedUsers(client, TABLE, 0, USERS);
    const token = await seedToken(deps, { role: 'gateway', name: 'bench-kamailio' });
    const started = await startBenchProcess('bench/serve.ts', [dynamo.endpoint, TABLE, OPERATOR_TOKEN, 'no-stream']);
    service = started.child;
    const serviceUrl = started.line;

    // The seeded targets route where the benchmark expects: a hosted user to the edge, another to the UM server.
    for (const index of [0, 1]) {
      const answer = await fetch(`${serviceUrl}/v1/resolve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          target: `sip:user${index}@bench.example.com;opaque=app:voicemail`,
          reason: 'voicemail',
          callId: 'bench-check',
        }),
      });
      const body = (await answer.json()) as { nextHop?: string };
      const expected = calleeOf(index) === 'edge' ? `sip:${EDGE_HOST}:${edgePort};transport=udp` : `sip:${UM_HOST}:${umPort};transport=udp`;
      if (body.nextHop !== expected) throw new Error(`user${index} resolves to ${JSON.stringify(body)}, not ${expected}`);
    }

    // The callees: one UM server and the edge, each a SIPp naming itself in its Contact.
    const callees: SipProcess[] = [];
    for (const [name, port] of [
      ['um', umPort],
      ['edge', edgePort],
    ] as const) {
      const callee = spawnSipp(['-sf', join(SCENARIOS, 'gateway-uas.xml'), '-i', '127.0.0.1', '-p', String(port), '-s', name, '-nostdin'], {
        cwd: dir,
        logFile: join(dir, `callee-${name}.out`),
      });
      await untilBound(port, `the ${name} callee`, callee);
      callees.push(callee);
    }

    const gatewayOn = async (
      name: string,
      port: number,
      extra: Record<string, string | number> = {},
    ): Promise<Kamailio & { pid: number }> => {
      const kamailio = await startKamailio({
        name,
        dir,
        config: CONFIG,
        port,
        defines: { EXUM_RESOLVE_URL: `${serviceUrl}/v1/resolve`, EXUM_WORKERS: WORKERS, ...extra },
        env: { EXUM_GATEWAY_TOKEN: token },
        // Transactions live in shared memory until their timers end (seconds after the call):
        // hundreds of calls a second outgrow the test's 32 MB, and a refused transaction is a 500.
        sharedMemoryMb: SHARED_MEMORY_MB,
      });
      for (const host of [UM_HOST, EDGE_HOST]) kamailio.addHost(host, '127.0.0.1');
      return { ...kamailio, pid: Number(readFileSync(join(dir, name, 'kamailio.pid'), 'utf8').trim()) };
    };
    const gateways = {
      gateway: await gatewayOn('gateway-service', servicePort),
      static: await gatewayOn('gateway-static', staticPort, { EXUM_STATIC_NEXT_HOP: `sip:${UM_HOST}:${umPort};transport=udp` }),
    };

    const targets = join(dir, 'targets.csv');
    writeFileSync(targets, `SEQUENTIAL\n${Array.from({ length: USERS }, (_, index) => injectionLine(index)).join('\n')}\n`);
    let stepNumber = 0;
    /** `calls` calls at `rate` through one gateway; its statistics, response times and CPU. */
    const runStep = async (variant: Step['variant'], rate: number, calls = rate * STEP_SECONDS): Promise<Step> => {
      const stepDir = join(dir, `step-${++stepNumber}-${variant}-${rate}`);
      mkdirSync(stepDir);
      const [localPort] = freeUdpPorts(1) as [number];
      const parties: Parties = {
        kamailio: { groups: [gateways[variant].pid] },
        node: { pids: [service?.pid ?? -1] },
        java: { pids: [dynamo.pid ?? -1] },
        sipp: { pids: callees.map((callee) => callee.pid ?? -1) },
      };
      const before = { ...cpuTicks(parties), machine: machineTicks() };
      const start = performance.now();
      const caller = spawnSipp(
        [
          `127.0.0.1:${gateways[variant].port}`,
          '-sf',
          join(SCENARIOS, 'gateway-uac.xml'),
          '-i',
          '127.0.0.1',
          '-p',
          String(localPort),
          '-inf',
          targets,
          '-r',
          String(rate),
          '-m',
          String(calls),
          '-l',
          String(rate * 10),
          '-recv_timeout',
          '5000',
          '-nostdin',
          '-trace_rtt',
          '-rtt_freq',
          '1',
          '-trace_stat',
          '-fd',
          '1',
          '-stf',
          join(stepDir, 'stat.csv'),
        ],
        { cwd: stepDir, logFile: join(stepDir, 'caller.out') },
      );
      // The caller's own CPU, sampled while it runs (it is gone once it exited).
      parties.sipp!.pids!.push(caller.pid ?? -1);
      let callerTicks = 0;
      const sampler = setInterval(() => {
        callerTicks = Math.max(callerTicks, cpuTicks({ caller: { pids: [caller.pid ?? -1] } }).caller!);
      }, 250);
      const finished = await Promise.race([caller.exited.then(() => true), sleep((STEP_SECONDS + 30) * 1000).then(() => false)]);
      clearInterval(sampler);
      if (!finished) await caller.stop();
      const seconds = (performance.now() - start) / 1000;
      const after: Record<string, number> = { ...cpuTicks(parties), machine: machineTicks() };
      after.sipp = after.sipp! + callerTicks;
      const stats = lastStats(join(stepDir, 'stat.csv'));
      const times = responseTimes(stepDir);
      const successful = Number(stats['SuccessfulCall(C)']);
      const failed = Number(stats['FailedCall(C)']);
      const retransmissions = Number(stats['Retransmissions(C)']);
      const step: Step = {
        variant,
        rate,
        calls,
        successful,
        failed,
        retransmissions,
        clean: finished && successful === calls && failed === 0 && retransmissions === 0,
        seconds: round(seconds, 1),
        p50Ms: median(times),
        p99Ms: quantile(times, 0.99),
        meanMs: round(times.reduce((sum, ms) => sum + ms, 0) / Math.max(1, times.length), 1),
        cpu: cpuPercent(before, after, seconds),
      };
      log(`bench: gateway ${showStep(step)}`);
      return step;
    };

    // Warm-up: each gateway's workers open their connections, the service and DynamoDB Local warm.
    for (const variant of ['gateway', 'static'] as const) await runStep(variant, 25, 100);

    // The steps, (a) and (b) interleaved rate by rate. A step that is not clean is run once more
    // (one busy moment of a shared machine does not decide it); not clean twice ends that variant.
    const steps: Step[] = [];
    const highestClean: Partial<Record<Step['variant'], Step>> = {};
    const firstUnclean: Partial<Record<Step['variant'], Step>> = {};
    const running = new Set<Step['variant']>(['gateway', 'static']);
    for (const rate of RATES) {
      for (const variant of ['gateway', 'static'] as const) {
        if (!running.has(variant)) continue;
        let step = await runStep(variant, rate);
        steps.push(step);
        if (!step.clean) {
          step = await runStep(variant, rate);
          steps.push(step);
        }
        if (step.clean) highestClean[variant] = step;
        else {
          firstUnclean[variant] = step;
          running.delete(variant);
        }
      }
      if (running.size === 0) break;
    }
    const cleanRate = (variant: Step['variant']) => highestClean[variant]?.rate ?? 0;
    // Latency at the same load: both at the gateway's highest clean rate.
    const atGatewayRate = (variant: Step['variant']) =>
      steps.filter((step) => step.variant === variant && step.clean && step.rate === cleanRate('gateway')).at(-1);
    const gatewayAt = atGatewayRate('gateway');
    const staticAt = atGatewayRate('static');
    // The question's cost as a caller sees it, where no call waits for a worker: the mean
    // difference at the first rate (both clean there), for sizing the workers.
    const atFirstRate = (variant: Step['variant']) =>
      steps.find((step) => step.variant === variant && step.clean && step.rate === RATES[0]);
    const firstGateway = atFirstRate('gateway');
    const firstStatic = atFirstRate('static');
    const questionMs =
      firstGateway !== undefined && firstStatic !== undefined ? Math.max(0, firstGateway.meanMs - firstStatic.meanMs) : Number.NaN;

    // The outage: a gateway with nothing kept yet; its targets answered once, then the service
    // killed in the middle of a run that calls them again and targets never seen.
    await gatewayOn('gateway-outage', outagePort);
    const known = Array.from({ length: 60 }, (_, index) => index);
    const neverSeen = Array.from({ length: 60 }, (_, index) => 500 + index);
    const OUTAGE_RATE = 20;
    const callOutage = async (name: string, sequence: number[], whileRunning?: () => Promise<void>) => {
      const runDir = join(dir, name);
      mkdirSync(runDir);
      const file = join(runDir, 'targets.csv');
      writeFileSync(file, `SEQUENTIAL\n${sequence.map(injectionLine).join('\n')}\n`);
      const [localPort] = freeUdpPorts(1) as [number];
      const caller = spawnSipp(
        [
          `127.0.0.1:${outagePort}`,
          '-sf',
          join(SCENARIOS, 'gateway-uac-outage.xml'),
          '-i',
          '127.0.0.1',
          '-p',
          String(localPort),
          '-inf',
          file,
          '-r',
          String(OUTAGE_RATE),
          '-m',
          String(sequence.length),
          '-recv_timeout',
          '8000',
          '-nostdin',
          '-trace_msg',
          '-message_file',
          join(runDir, 'messages.log'),
        ],
        { cwd: runDir, logFile: join(runDir, 'caller.out') },
      );
      await whileRunning?.();
      await Promise.race([caller.exited, sleep(60_000)]);
      await caller.stop();
      // Each call: its target (user index), its final answer, and who answered (the callee's Contact).
      const calls = new Map<string, { index: number; status: number; callee: string | undefined }>();
      for (const message of readSippMessages(join(runDir, 'messages.log'))) {
        const callId = message.headers['call-id']?.[0] ?? '';
        if (message.direction === 'sent' && message.firstLine.startsWith('INVITE ')) {
          const index = Number(/sip:user(\d+)@/.exec(message.firstLine)?.[1]);
          if (!calls.has(callId)) calls.set(callId, { index, status: 0, callee: undefined });
        }
        const status = Number(/^SIP\/2\.0 (\d{3}) /.exec(message.firstLine)?.[1]);
        const call = calls.get(callId);
        if (
          message.direction === 'received' &&
          call !== undefined &&
          status >= 200 &&
          message.headers.cseq?.[0] === '1 INVITE' &&
          call.status === 0
        ) {
          call.status = status;
          call.callee = /<sip:(\w+)@/.exec(message.headers.contact?.[0] ?? '')?.[1];
        }
      }
      return [...calls.values()];
    };
    const reachedRightCallee = (call: { index: number; status: number; callee: string | undefined }) =>
      call.status === 200 && call.callee === calleeOf(call.index);

    const answered = await callOutage('outage-before', known);
    const answeredRight = answered.filter(reachedRightCallee).length;
    if (answered.length !== known.length || answeredRight !== known.length)
      throw new Error(`before the outage, ${answeredRight} of ${known.length} calls reached the right callee`);
    // The run: 40 calls (2 s) to known targets, then known and never-seen targets in turn; the
    // service is killed 1 s in, before the first never-seen target is called.
    const during = [...known.slice(0, 40), ...known.flatMap((index, position) => [index, neverSeen[position]!])];
    const serviceProcess = service;
    const outageCalls = await callOutage('outage-during', during, async () => {
      await sleep(1000);
      serviceProcess.kill('SIGKILL');
      await new Promise((resolve) => serviceProcess.once('exit', resolve));
      log('bench: gateway: the service killed in the middle of the outage run');
    });
    service = undefined;
    const knownCalls = outageCalls.filter((call) => call.index < 500);
    const neverSeenCalls = outageCalls.filter((call) => call.index >= 500);
    const survived = knownCalls.filter(reachedRightCallee).length / Math.max(1, knownCalls.length);
    const refused = neverSeenCalls.filter((call) => call.status === 503).length / Math.max(1, neverSeenCalls.length);
    if (knownCalls.length !== known.length + 40 || neverSeenCalls.length !== neverSeen.length)
      throw new Error(
        `the outage run made ${knownCalls.length} + ${neverSeenCalls.length} calls, not ${known.length + 40} + ${neverSeen.length}`,
      );

    /**
     * What most likely bound the first step that was not clean: the machine, when it was busy
     * while the benchmark's own processes used under half of it; the workers, when the rate is
     * beyond what they resolve at the question time measured at the first rate; else the busiest
     * of the benchmark's processes.
     */
    const boundBy = (step: Step | undefined, variant: Step['variant']): string => {
      if (step === undefined) return `nothing up to ${RATES.at(-1)}/s`;
      const capacity = cpus().length * 100;
      const { machine = 0, ...ours } = step.cpu;
      const oursTotal = Object.values(ours).reduce((sum, percent) => sum + percent, 0);
      if (machine >= 0.9 * capacity && oursTotal < machine / 2)
        return `the machine: ${machine}% of ${capacity}% busy, the benchmark's processes ${oursTotal}%`;
      if (variant === 'gateway' && step.rate > (WORKERS * 1000) / questionMs)
        return `the workers: ${WORKERS} resolve about ${Math.round((WORKERS * 1000) / questionMs)} calls/s at ${round(questionMs, 1)} ms a question`;
      const [busiest = 'none', percent = 0] = Object.entries(ours).sort(([, a], [, b]) => b - a)[0] ?? [];
      return `${busiest} (${percent}% of a core; machine ${machine}% of ${capacity}%)`;
    };
    const showBound = (step: Step | undefined) => (step === undefined ? 'none' : `${step.rate}/s: ${showCpu(step.cpu)}`);
    const showUnclean = (step: Step | undefined) =>
      step === undefined
        ? `none up to ${RATES.at(-1)}/s`
        : `${step.rate}/s: ${step.failed} failed, ${step.retransmissions} retransmissions, ${step.successful}/${step.calls} ok, p50 ${step.p50Ms} ms, p99 ${step.p99Ms} ms; CPU ${showCpu(step.cpu)}`;
    return {
      gatewayVsStaticRelay: round(cleanRate('gateway') / Math.max(1, cleanRate('static'))),
      gatewayCleanCallsPerSecond: cleanRate('gateway'),
      staticRelayCleanCallsPerSecond: cleanRate('static'),
      staticRelayCapped: firstUnclean.static === undefined,
      gatewayP50Ms: gatewayAt?.p50Ms ?? Number.NaN,
      gatewayP99Ms: gatewayAt?.p99Ms ?? Number.NaN,
      staticRelayP50Ms: staticAt?.p50Ms ?? Number.NaN,
      staticRelayP99Ms: staticAt?.p99Ms ?? Number.NaN,
      staticRelayP50MsAtItsClean: highestClean.static?.p50Ms ?? Number.NaN,
      staticRelayP99MsAtItsClean: highestClean.static?.p99Ms ?? Number.NaN,
      gatewayQuestionMs: round(questionMs, 1),
      gatewayCallsPerSecondPerWorker: round(1000 / questionMs, 1),
      gatewayWorkers: WORKERS,
      gatewayCleanCpu: showBound(highestClean.gateway),
      staticRelayCleanCpu: showBound(highestClean.static),
      gatewayFirstUnclean: showUnclean(firstUnclean.gateway),
      gatewayBoundBy: boundBy(firstUnclean.gateway, 'gateway'),
      staticRelayBoundBy: boundBy(firstUnclean.static, 'static'),
      staticRelayFirstUnclean: showUnclean(firstUnclean.static),
      gatewaySurvivedCalls: round(survived, 3),
      gatewaySurvivedCallsCounted: knownCalls.length,
      gatewayNeverSeen503: round(refused, 3),
      gatewayNeverSeenCallsCounted: neverSeenCalls.length,
      gatewaySteps: steps.map(showStep).join(' | '),
      gatewayLoadAverage: `${round(loadBefore, 2)} → ${round(loadavg()[0]!, 2)}`,
    };
  } finally {
    await stopBenchProcess(service);
    await stopSipProcesses();
    client.destroy();
    await dynamo.stop();
    if (process.env.KEEP_GATEWAY_BENCH_DIR === undefined) rmSync(dir, { recursive: true, force: true });
    else log(`bench: gateway: logs kept in ${dir}`);
  }
}
