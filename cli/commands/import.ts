// `exumctl import users.csv`: tens of thousands of users in batches through POST /users/batch,
// with a progress bar, a per-row error report that does not stop the good rows, and resumption
// after an interruption (Ctrl-C, a crash, an outage): run the same command again.
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { MAX_BATCH_ROWS } from '../../lib/management/user-batch.js';
import { acceptedColumnNames, mapHeader, rowFromRecord } from '../user-import/csv-columns.js';
import { noCounts, runImport, type BatchAnswer, type ImportRow, type RowFailure } from '../user-import/import-run.js';
import {
  addCounts,
  errorReportPathOf,
  readImportState,
  removeImportState,
  sha256Of,
  statePathOf,
  writeImportState,
  type ImportState,
} from '../user-import/import-state.js';
import { run, type Context } from '../context.js';
import { CliError, EXIT, usageError } from '../exit-codes.js';
import { describe } from '../help.js';
import { parsePositiveInt } from '../values.js';

/** Reads the CSV: the header mapped to fields, each record turned into a batch row or its errors. */
function readRows(content: Buffer, path: string): ImportRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(content, { bom: true, info: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as never;
  } catch (error) {
    throw usageError(`${path} is not a readable CSV: ${(error as Error).message}`);
  }
  const [header, ...body] = records;
  if (header === undefined) throw usageError(`${path} is empty: it needs a header row (${acceptedColumnNames().join(', ')})`);
  const mapping = mapHeader(header.record);
  if (!mapping.ok) throw usageError(`${path}: ${mapping.message}`);
  return body.map(({ record, info }) => ({ line: info.lines, row: rowFromRecord(record, mapping.columns) }));
}

const REPORT_COLUMNS = ['row', 'sipUri', 'field', 'rule', 'message'];

function appendFailures(reportPath: string, failures: readonly RowFailure[]): void {
  if (failures.length === 0) return;
  const lines = failures.flatMap((failure) =>
    (failure.issues.length > 0 ? failure.issues : [{ field: 'row', rule: 'failed', message: 'failed' }]).map((issue) => [
      failure.line,
      failure.sipUri ?? '',
      issue.field,
      issue.rule,
      issue.message,
    ]),
  );
  appendFileSync(reportPath, stringify(lines));
}

/** Sends one batch, waiting and retrying while the service asks to retry later (503). */
async function sendBatch(context: Context, users: Record<string, unknown>[]): Promise<BatchAnswer[]> {
  const delays = [500, 1000, 2000, 4000, 8000];
  for (let attempt = 0; ; attempt++) {
    try {
      const answer = await context.client.post<{ results: BatchAnswer[] }>(
        context.tenantPath('users', 'batch'),
        { users },
        { query: context.dryRun ? { dryRun: true } : {} },
      );
      return answer.body.results;
    } catch (error) {
      if (!(error instanceof CliError) || error.exitCode !== EXIT.unavailable || attempt >= delays.length) throw error;
      await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
    }
  }
}

/** The saved state to resume from, unless told to restart; a changed file cannot be resumed. */
function stateToResume(statePath: string, sha256: string, context: Context, restart: boolean): ImportState | undefined {
  const saved = readImportState(statePath);
  if (saved === undefined || restart) return undefined;
  if (saved.sha256 !== sha256)
    throw usageError('the file changed since the interrupted import: run with --restart to import it from the start');
  if (saved.tenant !== context.tenant() || saved.server !== context.settings.server) {
    throw usageError(`the interrupted import was into tenant ${saved.tenant} at ${saved.server}: resume it there, or run with --restart`);
  }
  return saved;
}

export function addImportCommand(program: Command): void {
  describe(
    program
      .command('import')
      .argument('<file>', 'a CSV of users with a header row')
      .option('--batch-size <n>', `rows a request (at most ${MAX_BATCH_ROWS})`, parsePositiveInt, MAX_BATCH_ROWS)
      .option('--concurrency <n>', 'requests in flight', parsePositiveInt, 4)
      .option('--restart', 'ignore an interrupted import of this file and start from the first row')
      .option('--errors <file>', 'where the per-row error report goes (default <file>.errors.csv)'),
    {
      summary:
        'Create or update users from a CSV: rows that fail are reported and skipped, the rest are written; an interrupted import resumes where it stopped',
      examples: [
        'exumctl import users.csv',
        'exumctl import lync-export.csv --dry-run',
        'Get-CsUser | Select SipAddress,LineURI,Enabled,EnterpriseVoiceEnabled,HostedVoiceMail | Export-Csv lync-export.csv   (on the Lync side)',
      ],
    },
  )
    .addHelpText(
      'after',
      `Columns (any order, names case-insensitive; Lync's Get-CsUser names work too):
  ${acceptedColumnNames().join(', ')}
An empty cell clears a field that can be empty (hostedVoicemail: none, so the provider decides); an empty
enabled or enterpriseVoiceEnabled cell leaves the value as it is. A user that exists is updated with the
columns given; a new one gets the defaults for the rest.
The error report lists row (the line in the file), sipUri, field, rule and message. Progress is saved in
<file>.import-state.json after every batch; after Ctrl-C or a crash, the same command resumes.
Exits ${EXIT.ok} when every row was written, ${EXIT.partial} when some rows failed, ${EXIT.interrupted} when interrupted.
`,
    )
    .action(
      run<{ batchSize: number; concurrency: number; restart?: boolean; errors?: string }>(async (context, [file], options) => {
        if (options.batchSize > MAX_BATCH_ROWS) throw usageError(`--batch-size must be at most ${MAX_BATCH_ROWS}`);
        const path = resolve(file!);
        let content: Buffer;
        try {
          content = readFileSync(path);
        } catch (error) {
          throw usageError(`cannot read ${file}: ${(error as Error).message}`);
        }
        const rows = readRows(content, file!);
        const sha256 = sha256Of(content);
        const statePath = statePathOf(path);
        const reportPath = resolve(options.errors ?? errorReportPathOf(path));
        const printer = context.printer;

        // A dry run writes nothing, not even progress: it always reads the whole file.
        const resumed = context.dryRun ? undefined : stateToResume(statePath, sha256, context, options.restart === true);
        if (resumed === undefined || !existsSync(reportPath)) writeFileSync(reportPath, stringify([REPORT_COLUMNS]));
        const now = new Date().toISOString();
        let state: ImportState = resumed ?? {
          version: 1,
          sha256,
          server: context.settings.server,
          tenant: context.tenant(),
          rowsDone: 0,
          rowsTotal: rows.length,
          counts: noCounts(),
          startedAt: now,
          updatedAt: now,
        };
        if (resumed !== undefined) printer.err(`resuming the import of ${file}: ${resumed.rowsDone} of ${rows.length} rows were done`);

        const bar = new SingleBar({
          format: `${context.dryRun ? 'checking' : 'importing'} {bar} {value}/{total} rows | {percentage}% | {eta_formatted} left | created {created} updated {updated} unchanged {unchanged} failed {failed}`,
          stream: process.stderr,
          noTTYOutput: true,
          notTTYSchedule: 2000,
          hideCursor: true,
        });
        bar.start(rows.length, state.rowsDone, state.counts);

        let stopping = false;
        const onInterrupt = () => {
          if (stopping) process.exit(EXIT.interrupted);
          stopping = true;
          printer.err('\nstopping after the batches in flight (Ctrl-C again to quit at once; the import resumes from the saved state)');
        };
        process.on('SIGINT', onInterrupt);
        // What stopped the import, rethrown once the progress is saved and reported.
        let failure: Error | undefined;
        try {
          await runImport({
            rows,
            startAt: state.rowsDone,
            batchSize: options.batchSize,
            concurrency: options.concurrency,
            send: (users) => sendBatch(context, users),
            stopRequested: () => stopping,
            onDone: ({ done, counts, failures }) => {
              appendFailures(reportPath, failures);
              state = { ...state, rowsDone: done, counts: addCounts(state.counts, counts), updatedAt: new Date().toISOString() };
              if (!context.dryRun) writeImportState(statePath, state);
              bar.update(done, state.counts);
              return Promise.resolve();
            },
          });
        } catch (error) {
          failure = error instanceof Error ? error : new Error('the import failed', { cause: error });
        } finally {
          bar.stop();
          process.off('SIGINT', onInterrupt);
        }

        const { created, updated, unchanged, failed } = state.counts;
        const summary = `created ${created}, updated ${updated}, unchanged ${unchanged}, failed ${failed}`;
        const finished = state.rowsDone >= rows.length;
        if (finished) {
          removeImportState(statePath);
          if (failed === 0) rmSync(reportPath, { force: true });
        }
        if (printer.mode === 'json') {
          printer.out(
            JSON.stringify(
              {
                file: path,
                dryRun: context.dryRun,
                rowsTotal: rows.length,
                rowsDone: state.rowsDone,
                counts: state.counts,
                errorReport: failed > 0 ? reportPath : null,
                finished,
              },
              null,
              2,
            ),
          );
        } else {
          printer.out(`${context.dryRun ? 'checked' : 'imported'} ${state.rowsDone} of ${rows.length} rows of ${file}: ${summary}`);
          if (failed > 0) printer.err(`failed rows: ${reportPath}`);
        }
        if (failure !== undefined) {
          if (failure instanceof CliError)
            throw new CliError(
              // A dry run saves no state: there is nothing to resume.
              context.dryRun
                ? failure.message
                : `${failure.message}\nthe import stopped at row ${state.rowsDone} of ${rows.length}: run the same command to resume`,
              failure.exitCode,
              failure.problem,
            );
          throw failure;
        }
        if (!finished) {
          printer.err(`interrupted: run the same command to resume from row ${state.rowsDone + 1}`);
          return EXIT.interrupted;
        }
        return failed > 0 ? EXIT.partial : EXIT.ok;
      }),
    );
}
