// Small statistics for benchmark samples.
export const median = (samples: number[]): number => quantile(samples, 0.5);

export function quantile(samples: number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** Runs `task` for `durationMs` from `concurrency` loops; returns completed tasks per second. */
export async function throughput(task: () => Promise<unknown>, concurrency: number, durationMs: number): Promise<number> {
  const deadline = Date.now() + durationMs;
  let done = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        await task();
        done++;
      }
    }),
  );
  return (done * 1000) / (Date.now() - started);
}
