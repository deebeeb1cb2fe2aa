// Where an interrupted import stands, kept beside the CSV (users.csv.import-state.json) and
// written atomically after every batch, so a crash at any moment leaves a state to resume from.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as z from 'zod';
import type { ImportCounts } from './import-run.js';

export const ImportStateSchema = z.object({
  version: z.literal(1),
  /** The CSV's SHA-256: resuming a different file would skip the wrong rows. */
  sha256: z.string(),
  server: z.string(),
  tenant: z.string(),
  rowsDone: z.number().int().nonnegative(),
  rowsTotal: z.number().int().nonnegative(),
  counts: z.object({ created: z.number(), updated: z.number(), unchanged: z.number(), failed: z.number() }),
  startedAt: z.string(),
  updatedAt: z.string(),
});
export type ImportState = z.infer<typeof ImportStateSchema>;

export const statePathOf = (csvPath: string) => `${csvPath}.import-state.json`;
export const errorReportPathOf = (csvPath: string) => `${csvPath}.errors.csv`;

export const sha256Of = (content: Buffer) => createHash('sha256').update(content).digest('hex');

/** The saved state, if any; a corrupt one is treated as absent (the import starts over). */
export function readImportState(path: string): ImportState | undefined {
  try {
    const parsed = ImportStateSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // No usable state (missing, unreadable, another format): the import starts from its first row.
    return undefined;
  }
}

/** Write-then-rename: the state on disk is always a whole one. */
export function writeImportState(path: string, state: ImportState): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export const removeImportState = (path: string) => rmSync(path, { force: true });

export const addCounts = (total: ImportCounts, more: ImportCounts): ImportCounts => ({
  created: total.created + more.created,
  updated: total.updated + more.updated,
  unchanged: total.unchanged + more.unchanged,
  failed: total.failed + more.failed,
});
