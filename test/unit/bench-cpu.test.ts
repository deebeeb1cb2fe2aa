// The CPU figures' parts (bench/cpu.ts, bench/profile-summary.ts): another process's CPU time read
// from /proc agrees with its own count, and a V8 profile is summarized by self time, idle left out.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cpuMicrosOf, ownCpuMicros } from '../../bench/cpu.js';
import { moduleOf, summarizeProfile } from '../../bench/profile-summary.js';

describe('bench CPU time', () => {
  it("reads a process's CPU time from /proc as process.cpuUsage counts it (to the 10 ms clock tick)", () => {
    // Some work first, so that both counts are well past zero.
    let spin = 0;
    for (let index = 0; index < 5_000_000; index++) spin += Math.sqrt(index);
    expect(spin).toBeGreaterThan(0);
    const before = ownCpuMicros();
    const fromProc = cpuMicrosOf(process.pid);
    const after = ownCpuMicros();
    expect(fromProc).toBeGreaterThan(0);
    // /proc counts whole ticks of 10 ms (CLK_TCK 100): it may lag its own count by up to one, plus rounding.
    expect(fromProc).toBeGreaterThanOrEqual(before - 30_000);
    expect(fromProc).toBeLessThanOrEqual(after + 30_000);
  });
});

describe('bench profile summary', () => {
  it('names the module of a script: a package, a file of the project, Node itself', () => {
    expect(moduleOf(pathToFileURL('/work/x/node_modules/@smithy/core/dist-cjs/index.js').href)).toBe('@smithy/core');
    expect(moduleOf('/work/x/node_modules/.pnpm/zod@4/node_modules/zod/v4/core.js')).toBe('zod');
    expect(moduleOf(pathToFileURL('/work/x/lib/api/dispatch.ts').href)).toBe('lib/api/dispatch.ts');
    expect(moduleOf('node:internal/http')).toBe('node: (Node.js internals)');
    expect(moduleOf('')).toBe('(native or V8)');
  });

  it('adds up self time by function and by module from the samples, leaving idle out', () => {
    const frame = (id: number, functionName: string, url: string) => ({ id, callFrame: { functionName, url, lineNumber: 9 } });
    const profile = {
      nodes: [
        frame(1, '(root)', ''),
        frame(2, 'dispatch', pathToFileURL('/p/lib/api/dispatch.ts').href),
        frame(3, 'sign', pathToFileURL('/p/node_modules/@smithy/signature-v4/index.js').href),
        frame(4, '(idle)', ''),
        frame(5, '(garbage collector)', ''),
        frame(6, 'parse', pathToFileURL('/p/lib/api/http.ts').href),
      ],
      // µs: dispatch 300, sign 500, idle 10,000 (not CPU), gc 100, parse 100.
      samples: [2, 3, 4, 3, 5, 2, 6, 2],
      timeDeltas: [100, 200, 10_000, 300, 100, 100, 100, 100],
    };
    const file = join(mkdtempSync(join(tmpdir(), 'bench-profile-test-')), 'test.cpuprofile');
    writeFileSync(file, JSON.stringify(profile));
    const summary = summarizeProfile(file, 2);
    expect(summary.totalMs).toBe(1);
    expect(summary.modules).toEqual([
      { name: '@smithy/signature-v4', ms: 0.5, share: 50 },
      { name: 'lib/api/dispatch.ts', ms: 0.3, share: 30 },
    ]);
    expect(summary.functions.map((entry) => entry.name)).toEqual(['sign @smithy/signature-v4:10', 'dispatch lib/api/dispatch.ts:10']);
  });
});
