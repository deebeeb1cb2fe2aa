// Kamailio and SIPp on loopback for gateway tests: free UDP ports, processes in their own
// process groups (stopping one stops all it forked), readiness checks, and the SIP messages a
// SIPp instance logged. Kamailio runs the example configuration with its -A defines.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const INSTALL_HINT = 'apt-get install kamailio kamailio-utils-modules kamailio-extra-modules sip-tester (.ci/run installs them)';
const SCENARIOS = fileURLToPath(new URL('./sipp/', import.meta.url));
const LOOPBACK = '127.0.0.1';

/** Where a tool is: on the PATH, or in an sbin directory (Debian puts kamailio and kamcmd there, off a user's PATH). */
function commandPath(tool: string): string | undefined {
  const directories = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  return directories.map((directory) => join(directory, tool)).find((path) => existsSync(path));
}

type Tool = 'kamailio' | 'kamcmd' | 'sipp';

/** A tool's path. Missing fails, rather than skips: CI installs the tools, so a missing one is a fault. */
function tool(name: Tool): string {
  const path = commandPath(name);
  if (path === undefined) throw new Error(`${name} is not installed: ${INSTALL_HINT}`);
  return path;
}

export function requireSipTools(): void {
  for (const name of ['kamailio', 'kamcmd', 'sipp'] as const) tool(name);
}

/** Whether Kamailio, kamcmd and SIPp are all installed (the benchmark skips its gateway phase without them). */
export const sipToolsInstalled = (): boolean => (['kamailio', 'kamcmd', 'sipp'] as const).every((name) => commandPath(name) !== undefined);

/** UDP ports bound on this machine right now, from the kernel's socket tables (binding to probe would race SIPp). */
export function boundUdpPorts(): Set<number> {
  const ports = new Set<number>();
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    const rows = existsSync(table) ? readFileSync(table, 'utf8').split('\n').slice(1) : [];
    for (const row of rows) {
      const localAddress = row.trim().split(/\s+/)[1];
      if (localAddress !== undefined) ports.add(parseInt(localAddress.split(':')[1] ?? '', 16));
    }
  }
  return ports;
}

/**
 * `count` distinct UDP ports free right now, below the kernel's ephemeral range: nothing binding
 * port 0 (another test, a resolver) can take one between choosing it and SIPp or Kamailio using it.
 */
export function freeUdpPorts(count: number): number[] {
  const ephemeralStart = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const low = 10_000;
  const bound = boundUdpPorts();
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = low + Math.floor(Math.random() * (ephemeralStart - low));
    if (!bound.has(port)) ports.add(port);
  }
  return [...ports];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs: number,
  failedEarly: () => string | null,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const failure = failedEarly();
    if (failure !== null) throw new Error(`${what}: ${failure}`);
    if (await condition()) return;
    await sleep(100);
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms`);
}

interface Group {
  /** The leader's process id, the group's id too. */
  pid: number | undefined;
  exited: Promise<number | null>;
  exitCode: () => number | null | undefined;
  stop: () => Promise<void>;
}

/** Every process group started here: afterAll stops them all, whatever failed (a group may outlive its leader). */
const running = new Set<Group>();

export async function stopSipProcesses(): Promise<void> {
  await Promise.all([...running].map((group) => group.stop()));
}

/** A process as leader of its own process group, its output appended to `logFile`. */
function spawnGroup(command: string, args: string[], options: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv }): Group {
  const log = openSync(options.logFile, 'a');
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (exitCode) => resolve((code = exitCode)));
    child.once('error', () => resolve((code = null)));
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const group: Group = {
    pid: child.pid,
    exited,
    exitCode: () => code,
    stop: async () => {
      signalGroup('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
      // Kamailio's workers die with their main process; SIGKILL catches any that did not.
      signalGroup('SIGKILL');
      if (!stopped) await exited;
    },
  };
  running.add(group);
  return group;
}

export type SipProcess = Group;

/** SIPp with `args` as leader of its own process group (stopSipProcesses stops it too), its output appended to `logFile`. */
export function spawnSipp(args: string[], options: { cwd: string; logFile: string }): SipProcess {
  return spawnGroup(tool('sipp'), args, options);
}

const tail = (file: string, lines = 30) => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};

/** An OPTIONS to the SIP port answered at all: the listener is up and its workers run the script. */
function sipAnswers(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  let settled = false;
  return new Promise<boolean>((resolve) => {
    const done = (answered: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), 500);
    socket.once('message', () => done(true));
    socket.once('error', () => done(false));
    socket.bind(0, LOOPBACK, () => {
      const local = socket.address().port;
      const id = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
      const options = [
        `OPTIONS sip:${LOOPBACK}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${LOOPBACK}:${local};branch=z9hG4bK-ready-${id}`,
        `From: <sip:readiness@${LOOPBACK}>;tag=${id}`,
        `To: <sip:${LOOPBACK}:${port}>`,
        `Call-ID: ready-${id}`,
        'CSeq: 1 OPTIONS',
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      socket.send(options, port, LOOPBACK);
    });
  });
}

export interface Kamailio {
  port: number;
  /** Pins a name to an address in Kamailio's DNS cache (kamcmd dns.add_a, permanent). */
  addHost: (name: string, address: string) => void;
  /** Kamailio's log so far (it logs to stderr, -E). */
  log: () => string;
  stop: () => Promise<void>;
}

export interface KamailioOptions {
  name: string;
  dir: string;
  config: string;
  port: number;
  /** -A defines; strings are passed quoted, as the configuration's string settings expect. */
  defines: Record<string, string | number>;
  env?: Record<string, string>;
  /** Kamailio's shared memory (-m), in MB; 32 unless said (the benchmark's call rates need more). */
  sharedMemoryMb?: number;
}

/** Starts Kamailio in the foreground on udp:127.0.0.1:`port`, its runtime files under `dir`. */
export async function startKamailio(options: KamailioOptions): Promise<Kamailio> {
  const runtimeDir = join(options.dir, options.name);
  mkdirSync(runtimeDir, { recursive: true });
  const ctlSocket = `unix:${join(runtimeDir, 'ctl')}`;
  const defines = { ...options.defines, EXUM_CTL_SOCKET: ctlSocket };
  const args = [
    '-f',
    options.config,
    '-m',
    String(options.sharedMemoryMb ?? 32),
    '-Y',
    runtimeDir,
    '-P',
    join(runtimeDir, 'kamailio.pid'),
    '-A',
    `EXUM_LISTEN=udp:${LOOPBACK}:${options.port}`,
    ...Object.entries(defines).flatMap(([name, value]) => [
      '-A',
      typeof value === 'number' ? `${name}=${String(value)}` : `${name}="${String(value)}"`,
    ]),
  ];
  const env = { ...process.env, ...options.env };
  const check = spawnSync(tool('kamailio'), ['-c', ...args], { env, encoding: 'utf8' });
  if (check.status !== 0)
    throw new Error(`kamailio refused ${options.config} (${INSTALL_HINT}):\n${check.stderr.split('\n').slice(-15).join('\n')}`);

  const logFile = join(options.dir, `${options.name}.log`);
  const kamailio = spawnGroup(tool('kamailio'), ['-DD', '-E', ...args], { cwd: runtimeDir, logFile, env });
  const exitedEarly = () => (kamailio.exitCode() === undefined ? null : `exited early:\n${tail(logFile)}`);
  try {
    await waitFor(`kamailio ${options.name}`, () => sipAnswers(options.port), 30_000, exitedEarly);
  } catch (error) {
    await kamailio.stop();
    throw error;
  }
  return {
    port: options.port,
    addHost: (name, address) => {
      const added = spawnSync(tool('kamcmd'), ['-s', ctlSocket, 'dns.add_a', name, '3600', address, '2'], { encoding: 'utf8' });
      if (added.status !== 0 || /error/i.test(added.stdout)) throw new Error(`kamcmd dns.add_a ${name}: ${added.stdout}${added.stderr}`);
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    stop: kamailio.stop,
  };
}

export interface SipMessage {
  direction: 'received' | 'sent';
  /** The request or status line. */
  firstLine: string;
  /** Header values by lower-case name. */
  headers: Record<string, string[]>;
}

/** The messages of a SIPp -trace_msg log, in order. */
export function readSippMessages(file: string): SipMessage[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split(/^-{20,} .*$/m)
    .map((block) => block.replace(/\r/g, '').trim())
    .filter((block) => / message (received|sent)/.test(block))
    .map((block) => {
      const [banner, ...rest] = block.split('\n');
      const [firstLine = '', ...headerLines] = rest.join('\n').trim().split('\n');
      const headers: Record<string, string[]> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        (headers[line.slice(0, colon).trim().toLowerCase()] ??= []).push(line.slice(colon + 1).trim());
      }
      return { direction: banner!.includes('received') ? 'received' : 'sent', firstLine, headers };
    });
}

export interface SippServer {
  port: number;
  /** Waits for its one call to end (SIPp exits), at most `timeoutMs`, then stops SIPp anyway. */
  callEnded: (timeoutMs?: number) => Promise<void>;
  messages: () => SipMessage[];
  stop: () => Promise<void>;
}

/** A SIPp UAS (a voicemail server, the edge, a PSTN gateway) for one call on `port`. */
export async function startSippServer(options: { name: string; dir: string; scenario: string; port: number }): Promise<SippServer> {
  const messageFile = join(options.dir, `${options.name}-messages.log`);
  const sipp = spawnGroup(
    tool('sipp'),
    [
      '-sf',
      join(SCENARIOS, options.scenario),
      '-i',
      LOOPBACK,
      '-p',
      String(options.port),
      '-m',
      '1',
      '-nostdin',
      '-timeout',
      '120',
      '-trace_msg',
      '-message_file',
      messageFile,
    ],
    { cwd: options.dir, logFile: join(options.dir, `${options.name}.out`) },
  );
  const exitedEarly = () => (sipp.exitCode() === undefined ? null : `sipp exited with ${String(sipp.exitCode())}`);
  await waitFor(`sipp ${options.name} on ${options.port}`, async () => boundUdpPorts().has(options.port), 60_000, exitedEarly);
  return {
    port: options.port,
    callEnded: async (timeoutMs = 60_000) => {
      await Promise.race([sipp.exited, sleep(timeoutMs)]);
      await sipp.stop();
    },
    messages: () => readSippMessages(messageFile),
    stop: sipp.stop,
  };
}

export interface Call {
  /** SIPp's exit code: 0 when the scenario completed. */
  exitCode: number | null;
  elapsedMs: number;
  messages: SipMessage[];
}

/**
 * One call from a SIPp UAC through the gateway on `gatewayPort`, to `requestUri` with Call-ID
 * `callId` (no "%": SIPp reads it as a format), from `sourceAddress` (any of 127.0.0.0/8 is
 * loopback on Linux; default 127.0.0.1). SIPp gives up after 30 s, within the test's timeout.
 */
export async function callThroughGateway(options: {
  name: string;
  dir: string;
  scenario: string;
  gatewayPort: number;
  requestUri: string;
  callId: string;
  sourceAddress?: string;
}): Promise<Call> {
  const [localPort] = freeUdpPorts(1);
  const messageFile = join(options.dir, `${options.name}-messages.log`);
  const started = Date.now();
  const sipp = spawnGroup(
    tool('sipp'),
    [
      `${LOOPBACK}:${options.gatewayPort}`,
      '-sf',
      join(SCENARIOS, options.scenario),
      '-i',
      options.sourceAddress ?? LOOPBACK,
      '-p',
      String(localPort),
      '-m',
      '1',
      '-nostdin',
      '-key',
      'ruri',
      options.requestUri,
      '-cid_str',
      options.callId,
      '-timeout',
      '30',
      '-timeout_error',
      '-trace_msg',
      '-message_file',
      messageFile,
    ],
    { cwd: options.dir, logFile: join(options.dir, `${options.name}.out`) },
  );
  const exitCode = await sipp.exited;
  return { exitCode, elapsedMs: Date.now() - started, messages: readSippMessages(messageFile) };
}
