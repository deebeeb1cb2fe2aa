// Bundles a Lambda entry point as it would be deployed (esbuild, ESM, minified) and measures
// its cold import time in fresh Node processes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ESM_BANNER } from '../cdk/bundling.js';
import { median } from './stats.js';

export async function bundle(entry: string, outdir: string): Promise<{ file: string; bytes: number }> {
  const file = join(outdir, `${entry.replace(/[^a-z0-9]+/gi, '-')}.mjs`);
  await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    banner: { js: ESM_BANNER },
    logLevel: 'silent',
  });
  return { file, bytes: statSync(file).size };
}

/** Median milliseconds to import `file` in a fresh process, over `runs` processes. */
export function coldImportMs(file: string, runs: number, env: NodeJS.ProcessEnv): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`importing ${file} failed: ${child.stderr.slice(-800)}`);
    samples.push(Number(child.stdout));
  }
  return median(samples);
}

export const tempDir = () => mkdtempSync(join(tmpdir(), 'exum-bench-'));
