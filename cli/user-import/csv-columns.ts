// The columns of a users CSV for `exumctl import`: our field names, and the column names of
// Lync's `Get-CsUser | Export-Csv` (SipAddress, LineURI, HostedVoiceMail, ...), so an
// administrator can feed an export straight in. Pure: a record in, an API row or its errors out.
import type { FieldIssue } from '../../lib/errors.js';

type Cell = { value: unknown } | { issue: Omit<FieldIssue, 'field'> } | 'absent';

interface ColumnSpec {
  /** The API field it sets, dotted for nested ones. */
  field: string;
  /** Accepted header names, compared case-insensitively. */
  names: string[];
  read: (cell: string) => Cell;
}

const TRUE = new Set(['true', '$true', 'yes', '1']);
const FALSE = new Set(['false', '$false', 'no', '0']);

/** An empty cell clears a field that may be null: it is what an export writes for "no value". */
const text = (cell: string): Cell => ({ value: cell === '' ? null : cell });
const required = (cell: string): Cell => (cell === '' ? { issue: { rule: 'required', message: 'must not be empty' } } : { value: cell });

function bool(cell: string, emptyMeans: 'absent' | 'null'): Cell {
  const word = cell.toLowerCase();
  if (word === '') return emptyMeans === 'null' ? { value: null } : 'absent';
  if (TRUE.has(word)) return { value: true };
  if (FALSE.has(word)) return { value: false };
  return {
    issue: { rule: 'boolean', message: `must be true or false${emptyMeans === 'null' ? ', or empty for none' : ''} (got "${cell}")` },
  };
}

export const USER_COLUMNS: readonly ColumnSpec[] = [
  { field: 'sipUri', names: ['sipUri', 'SipAddress'], read: required },
  { field: 'displayName', names: ['displayName'], read: text },
  { field: 'lineUri', names: ['lineUri'], read: text },
  { field: 'enabled', names: ['enabled'], read: (cell) => bool(cell, 'absent') },
  { field: 'enterpriseVoiceEnabled', names: ['enterpriseVoiceEnabled'], read: (cell) => bool(cell, 'absent') },
  { field: 'site', names: ['site'], read: text },
  { field: 'registrarPool', names: ['registrarPool'], read: text },
  { field: 'hostedVoicemailPolicy', names: ['hostedVoicemailPolicy'], read: text },
  { field: 'hostedVoicemail.admin', names: ['hostedVoicemail', 'hostedVoicemail.admin'], read: (cell) => bool(cell, 'null') },
  { field: 'onPremisesUm.enabled', names: ['onPremisesUm.enabled', 'ExUmEnabled'], read: (cell) => bool(cell, 'absent') },
  { field: 'onPremisesUm.dialPlan', names: ['onPremisesUm.dialPlan'], read: text },
];

export const acceptedColumnNames = (): string[] => USER_COLUMNS.flatMap((column) => column.names);

export type HeaderMapping = { ok: true; columns: (ColumnSpec | undefined)[] } | { ok: false; message: string };

/** Which field each column sets; unknown or repeated columns are refused before any row is sent. */
export function mapHeader(header: readonly string[]): HeaderMapping {
  const columns: (ColumnSpec | undefined)[] = [];
  const seen = new Set<string>();
  for (const name of header) {
    const column = USER_COLUMNS.find((spec) => spec.names.some((accepted) => accepted.toLowerCase() === name.trim().toLowerCase()));
    if (column === undefined)
      return { ok: false, message: `unknown column "${name}"; the columns are: ${acceptedColumnNames().join(', ')}` };
    if (seen.has(column.field)) return { ok: false, message: `two columns set ${column.field}` };
    seen.add(column.field);
    columns.push(column);
  }
  if (!seen.has('sipUri')) return { ok: false, message: 'a sipUri (or SipAddress) column is required' };
  return { ok: true, columns };
}

export type CsvRow = { ok: true; user: Record<string, unknown> } | { ok: false; sipUri: string | null; issues: FieldIssue[] };

/** One CSV record as a row of POST /users/batch, or the cells at fault. */
export function rowFromRecord(record: readonly string[], columns: readonly (ColumnSpec | undefined)[]): CsvRow {
  if (record.length !== columns.length) {
    return {
      ok: false,
      sipUri: null,
      issues: [{ field: 'row', rule: 'column-count', message: `has ${record.length} cells; the header has ${columns.length}` }],
    };
  }
  const user: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  columns.forEach((column, index) => {
    const cell = column!.read(record[index]!.trim());
    if (cell === 'absent') return;
    if ('issue' in cell) return void issues.push({ field: column!.field, ...cell.issue });
    const path = column!.field.split('.');
    let target = user;
    for (const part of path.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
    target[path.at(-1)!] = cell.value;
  });
  const sipUri = typeof user.sipUri === 'string' ? user.sipUri : null;
  return issues.length === 0 ? { ok: true, user } : { ok: false, sipUri, issues };
}
