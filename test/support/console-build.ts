// A stand-in for the console's build (dist/console/): the CDK tests synthesize the console's stack
// without building the console, and never read or touch a real build.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A directory shaped like Vite's output: index.html and a hashed file under assets/. Remove it with removeConsoleBuild. */
export function fakeConsoleBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'console-build-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><html><head><script type="module" src="/assets/index-0a1b2c3d.js"></script></head><body></body></html>\n',
  );
  writeFileSync(join(dir, 'assets', 'index-0a1b2c3d.js'), 'document.body.textContent = "console";\n');
  return dir;
}

export function removeConsoleBuild(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
