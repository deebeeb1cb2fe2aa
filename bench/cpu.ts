// CPU time of a process, for figures that hold still on a shared machine: what a process spent
// (user + system, all its threads, as process.cpuUsage counts it) rather than how fast it went
// while other processes took the cores.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startBenchProcess, stopBenchProcess } from './child-process.js';

let ticksPerSecond: number | undefined;
const clockTicks = (): number => (ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100);

/**
 * Another process's CPU time so far, in µs, from /proc/<pid>/stat (Linux): utime + stime, in
 * clock ticks (10 ms), so measure spans of seconds.
 */
export function cpuMicrosOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: the fields counted from after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / clockTicks();
}

/** This process's CPU time so far, in µs (user + system). */
export function ownCpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** What the GetItem baseline process (bench/getitem-process.ts) measured. */
export interface GetItemCpu {
  getItems: number;
  cpuMicros: number;
  seconds: number;
}

/**
 * The CPU baseline: `count` bare GetItems of the bench's users from a process of its own, with the
 * service's client settings, `concurrency` at a time; its CPU time per GetItem, in µs.
 */
export async function measureGetItemCpu(endpoint: string, tableName: string, users: number, count = 4000, concurrency = 16) {
  const { child, line } = await startBenchProcess('bench/getitem-process.ts', [
    endpoint,
    tableName,
    String(count),
    String(concurrency),
    String(users),
  ]);
  try {
    const measured = JSON.parse(line) as GetItemCpu;
    return { ...measured, microsPerGetItem: measured.cpuMicros / measured.getItems };
  } finally {
    await stopBenchProcess(child);
  }
}
