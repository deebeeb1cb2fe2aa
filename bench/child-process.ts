// The benchmark's helper processes (the local server, the provider): each a TypeScript script of
// bench/ that prints one line when ready (its URL) and stops on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/**
 * Starts `script` with `args` (and Node's own `nodeArgs`, such as --cpu-prof); resolves with the
 * process and the first line it prints, or fails if it exits first.
 */
export async function startBenchProcess(
  script: string,
  args: string[] = [],
  nodeArgs: string[] = [],
): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout }), 'line'),
    once(child, 'exit').then(() => {
      throw new Error(`${script} ${args.join(' ')} exited at start`);
    }),
  ])) as [string];
  return { child, line };
}

/** Stops a helper process and waits for it to be gone (nothing left running after a benchmark). */
export async function stopBenchProcess(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}
