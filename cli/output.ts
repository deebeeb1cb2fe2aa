// How exumctl prints: readable tables by default (borderless, like kubectl's), the API's JSON
// with -o json for scripts. Messages go to stderr so stdout stays parseable.
import Table from 'cli-table3';

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

export interface Printer {
  mode: 'table' | 'json';
  /** Data: to stdout. */
  out: (text: string) => void;
  /** Messages, progress, warnings: to stderr. */
  err: (text: string) => void;
}

export const consolePrinter = (mode: 'table' | 'json'): Printer => ({
  mode,
  // Braces, not an arrow's value: write's boolean returned from a handler became its exit code.
  out: (text) => {
    process.stdout.write(`${text}\n`);
  },
  err: (text) => {
    process.stderr.write(`${text}\n`);
  },
});

const BORDERLESS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** A cell as a person reads it: "-" for nothing, lists comma-separated. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(cell).join(', ');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? typeof value;
}

export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const table = new Table({
    head: columns.map((column) => column.header),
    chars: BORDERLESS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  for (const row of rows) table.push(columns.map((column) => cell(column.value(row))));
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

/** One object as "Name : value" lines (PowerShell's Format-List), nested fields dotted. */
export function formatRecord(record: object, labels: Record<string, string> = {}): string {
  const entries = flatten(record);
  const width = Math.max(...entries.map(([key]) => (labels[key] ?? key).length));
  return entries.map(([key, value]) => `${(labels[key] ?? key).padEnd(width)} : ${cell(value)}`).join('\n');
}

function flatten(value: object, prefix = ''): [string, unknown][] {
  return Object.entries(value as Record<string, unknown>).flatMap(([key, field]): [string, unknown][] => {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (field !== null && typeof field === 'object' && !Array.isArray(field)) return flatten(field, name);
    return [[name, field]];
  });
}

/** A list: a table, or the JSON array. */
export function printList<T>(printer: Printer, rows: readonly T[], columns: readonly Column<T>[], empty = 'nothing found'): void {
  if (printer.mode === 'json') printer.out(JSON.stringify(rows, null, 2));
  else if (rows.length === 0) printer.err(empty);
  else printer.out(formatTable(rows, columns));
}

/** One object: "Name : value" lines, or its JSON. */
export function printRecord(printer: Printer, record: object): void {
  printer.out(printer.mode === 'json' ? JSON.stringify(record, null, 2) : formatRecord(record));
}
