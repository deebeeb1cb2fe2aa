// Changes as a person reviews them (dry runs, `apply --dry-run`): one line per object, then its
// fields before → after. The same shape as the API's dry-run answer.
import { isDeepStrictEqual } from 'node:util';
import type { Change } from '../lib/management/write-context.js';
import { cell } from './output.js';

export type { Change } from '../lib/management/write-context.js';

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

const SIGN = { create: '+', update: '~', delete: '-' } as const;

/** Leaves of an object as dotted paths; arrays are values, compared whole. */
function leaves(value: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (prefix !== '') out.set(prefix, value);
    return out;
  }
  for (const [key, field] of Object.entries(value)) {
    for (const [path, leaf] of leaves(field, prefix === '' ? key : `${prefix}.${key}`)) out.set(path, leaf);
  }
  return out;
}

/** The fields that differ between two versions of an object (absent counts as undefined). */
export function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  const was = leaves(before ?? {});
  const will = leaves(after ?? {});
  const fields = [...new Set([...will.keys(), ...was.keys()])];
  return fields
    .filter((field) => !isDeepStrictEqual(was.get(field), will.get(field)))
    .map((field) => ({ field, before: was.get(field), after: will.get(field) }));
}

/** A change, or for an update that changes no field `= type id unchanged` (apply plans no step for it). */
export function formatChange(change: Change): string {
  const fields = change.action === 'delete' ? [] : fieldChanges(change.before, change.after);
  if (change.action === 'update' && fields.length === 0) return `= ${change.type} ${change.id} unchanged`;
  const lines = [`${SIGN[change.action]} ${change.action} ${change.type} ${change.id}`];
  for (const { field, before, after } of fields) {
    lines.push(change.action === 'create' ? `    ${field}: ${cell(after)}` : `    ${field}: ${cell(before)} → ${cell(after)}`);
  }
  return lines.join('\n');
}

export const formatChanges = (changes: readonly Change[]): string =>
  changes.length === 0 ? 'no changes' : changes.map(formatChange).join('\n');
