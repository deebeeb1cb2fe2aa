// What a Lambda entry point's bundle holds: the source files esbuild kept bytes of (it parses
// more than it keeps), for the tests that keep a function's bundle to what it needs.
import { build } from 'esbuild';

export async function bundledInputs(entryPoint: string): Promise<string[]> {
  const { metafile } = await build({
    entryPoints: [entryPoint],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    metafile: true,
    outdir: 'unused',
  });
  return Object.values(metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, use]) => use.bytesInOutput > 0)
      .map(([input]) => input),
  );
}
