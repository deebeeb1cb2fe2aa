// Where a process's CPU went: a V8 .cpuprofile (node --cpu-prof, as `npm run bench -- --phases http
// --profile` writes for the local server) summarized as self time by function and by module (a
// package of node_modules, a file of this project, Node's internals, the garbage collector).
// Also a command: `npx tsx bench/profile-summary.ts FILE.cpuprofile [TOP]`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

/** The module a script URL belongs to: `@scope/name` or `name` of node_modules, a project path, `node:` internals. */
export function moduleOf(url: string): string {
  if (url === '') return '(native or V8)';
  if (url.startsWith('node:')) return 'node: (Node.js internals)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const inModules = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (inModules !== null) return inModules[1]!;
  const project = /\/(lib|local|functions|bench)\/(.*)$/.exec(path);
  return project === null ? path : `${project[1]}/${project[2]}`;
}

export function summarizeProfile(file: string, top = 15): { totalMs: number; functions: SelfTime[]; modules: SelfTime[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; it is counted to the node sampled there.
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    // (idle) is the event loop waiting: no CPU spent.
    if (functionName === '(idle)') continue;
    totalUs += us;
    const module = functionName.startsWith('(') ? functionName : moduleOf(url);
    const name = functionName.startsWith('(') ? functionName : `${functionName || '(anonymous)'} ${module}:${lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    modules.set(module, (modules.get(module) ?? 0) + us);
  }
  const ranked = (totals: Map<string, number>) =>
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, share: Math.round((us / totalUs) * 1000) / 10 }));
  return { totalMs: Math.round(totalUs / 1000), functions: ranked(functions), modules: ranked(modules) };
}

export function formatSummary(summary: ReturnType<typeof summarizeProfile>): string {
  const rows = (title: string, list: SelfTime[]) => [
    title,
    ...list.map((entry) => `  ${String(entry.share).padStart(5)}%  ${entry.ms} ms  ${entry.name}`),
  ];
  return [
    `CPU profile: ${summary.totalMs} ms of samples (idle left out)`,
    ...rows('self time by module:', summary.modules),
    ...rows('self time by function:', summary.functions),
  ].join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [TOP]');
  process.stdout.write(`${formatSummary(summarizeProfile(file, top === undefined ? 15 : Number(top)))}\n`);
}
