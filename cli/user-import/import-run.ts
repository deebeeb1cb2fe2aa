// A bulk import of users, batch by batch with several in flight, made resumable: batches are
// acknowledged in file order only (a batch done early waits for those before it), so "rows done"
// is always a prefix of the file and an interrupted import continues exactly where it stopped.
// Rows sent again after an interruption are idempotent upserts: they answer "unchanged".
import pLimit from 'p-limit';
import type { FieldIssue } from '../../lib/errors.js';
import type { BatchOutcome } from '../../lib/management/user-batch.js';
import type { CsvRow } from './csv-columns.js';

export interface ImportRow {
  /** The row's line in the file (the header is line 1). */
  line: number;
  row: CsvRow;
}

export interface RowFailure {
  line: number;
  sipUri: string | null;
  issues: FieldIssue[];
}

export type ImportCounts = Record<BatchOutcome, number>;

export interface BatchAnswer {
  outcome: BatchOutcome;
  sipUri: string | null;
  errors?: FieldIssue[];
}

export interface ImportRunOptions {
  rows: readonly ImportRow[];
  /** Rows already done by an earlier, interrupted run. */
  startAt: number;
  batchSize: number;
  concurrency: number;
  /** Sends rows to POST /users/batch; answers one result per row, in order. */
  send: (users: Record<string, unknown>[]) => Promise<BatchAnswer[]>;
  /** Called in file order as the done prefix grows: how many rows are done, and what this batch did. */
  onDone: (progress: { done: number; counts: ImportCounts; failures: RowFailure[] }) => Promise<void>;
  /** Asked before each batch is sent: true stops sending (batches in flight finish). */
  stopRequested: () => boolean;
}

export const noCounts = (): ImportCounts => ({ created: 0, updated: 0, unchanged: 0, failed: 0 });

/** Runs the import from startAt; resolves with the rows done (all of them unless stopped). */
export async function runImport(options: ImportRunOptions): Promise<number> {
  const { rows, batchSize } = options;
  const limit = pLimit(options.concurrency);
  const finished = new Map<number, { counts: ImportCounts; failures: RowFailure[] }>();
  let done = options.startAt;
  let acknowledging = Promise.resolve();

  /** Hands on, in order, every finished batch that starts where the done prefix ends. */
  const acknowledge = () =>
    (acknowledging = acknowledging.then(async () => {
      while (finished.has(done)) {
        const batch = finished.get(done)!;
        finished.delete(done);
        done = Math.min(rows.length, done + batchSize);
        await options.onDone({ done, ...batch });
      }
    }));

  const runBatch = async (start: number) => {
    if (options.stopRequested()) return;
    const batch = rows.slice(start, start + batchSize);
    const counts = noCounts();
    const failures: RowFailure[] = [];
    const valid = batch.filter((entry) => entry.row.ok);
    for (const entry of batch) {
      if (!entry.row.ok) {
        counts.failed++;
        failures.push({ line: entry.line, sipUri: entry.row.sipUri, issues: entry.row.issues });
      }
    }
    if (valid.length > 0) {
      const answers = await options.send(valid.map((entry) => (entry.row as { user: Record<string, unknown> }).user));
      answers.forEach((answer, index) => {
        counts[answer.outcome]++;
        if (answer.outcome === 'failed') failures.push({ line: valid[index]!.line, sipUri: answer.sipUri, issues: answer.errors ?? [] });
      });
    }
    failures.sort((a, b) => a.line - b.line);
    finished.set(start, { counts, failures });
    await acknowledge();
  };

  const starts: number[] = [];
  for (let start = options.startAt; start < rows.length; start += batchSize) starts.push(start);
  await Promise.all(starts.map((start) => limit(() => runBatch(start))));
  await acknowledging;
  return done;
}
