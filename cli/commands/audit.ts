// The audit trail: who changed which object when, each changed field before and after side by
// side; who replayed or discarded a dead letter, and why. Exchange's Search-AdminAuditLog.
import type { Command } from 'commander';
import { AUDIT_OBJECT_TYPES, type AuditRecord } from '../../lib/domain/audit-record.js';
import { run } from '../context.js';
import { describe } from '../help.js';
import { cell, formatTable } from '../output.js';
import { parsePositiveInt } from '../values.js';

interface AuditOptions {
  objectType?: string;
  object?: string;
  credential?: string;
  from?: string;
  to?: string;
  limit: number;
}

/** A table cell holds this much of a value; -o json has them whole. */
const CELL_WIDTH = 60;
const clipped = (value: unknown) => {
  const text = cell(value);
  return text.length > CELL_WIDTH ? `${text.slice(0, CELL_WIDTH - 1)}…` : text;
};

/** One row per changed field, before and after side by side; who, when and what on the record's first row only. */
interface Row {
  record: AuditRecord;
  first: boolean;
  field: string | null;
}

function rowsOf(records: readonly AuditRecord[]): Row[] {
  return records.flatMap((record) => {
    const fields = record.changedFields.length > 0 ? record.changedFields : [null];
    return fields.map((field, index) => ({ record, first: index === 0, field }));
  });
}

/** A continuation row leaves who, when and what blank (a space: an empty cell would print "-"). */
const onFirst = (value: (record: AuditRecord) => unknown) => (row: Row) => (row.first ? value(row.record) : ' ');

export function addAuditCommand(program: Command): void {
  describe(
    program
      .command('audit')
      .option('--object-type <type>', `only objects of this type: ${AUDIT_OBJECT_TYPES.join(', ')}`)
      .option('--object <id>', 'only this object (a SIP address, a provider id, a dead letter id, ...)')
      .option('--credential <id>', 'only what this credential did (cred_...)')
      .option('--from <time>', 'from this time on (ISO 8601, e.g. 2026-11-25T00:00:00Z)')
      .option('--to <time>', 'up to this time (ISO 8601)')
      .option('--limit <n>', 'at most this many records, newest first (default 50)', parsePositiveInt, 50),
    {
      summary:
        'The audit trail, newest first: who changed which object when, each changed field before and after; dead letters replayed or discarded, with the reason',
      lync: 'Exchange: Search-AdminAuditLog',
      examples: [
        'exumctl audit --object sip:alice@contoso.com',
        'exumctl audit --object-type dead-letter --from 2026-11-25T00:00:00Z',
        'exumctl audit --credential cred_7Hq2 --limit 200 -o json',
      ],
    },
  ).action(
    run<AuditOptions>(async (context, _args, options) => {
      const query = {
        objectType: options.objectType,
        objectId: options.object,
        credentialId: options.credential,
        from: options.from,
        to: options.to,
      };
      const records: AuditRecord[] = [];
      let cursor: string | undefined;
      do {
        const page = await context.client.get<{ items: AuditRecord[]; nextCursor: string | null }>(context.tenantPath('audit'), {
          query: { ...query, limit: Math.min(500, options.limit - records.length), cursor },
        });
        records.push(...page.body.items);
        cursor = page.body.nextCursor ?? undefined;
      } while (cursor !== undefined && records.length < options.limit);

      if (context.printer.mode === 'json') {
        context.printer.out(JSON.stringify(records, null, 2));
        return;
      }
      if (records.length === 0) {
        context.printer.err('no audit records');
        return;
      }
      context.printer.out(
        formatTable(rowsOf(records), [
          { header: 'TIME', value: onFirst((record) => record.at) },
          { header: 'WHO', value: onFirst((record) => `${record.actor.credentialId} (${record.actor.role})`) },
          { header: 'ACTION', value: onFirst((record) => record.action) },
          { header: 'OBJECT', value: onFirst((record) => `${record.objectType} ${record.objectId}`) },
          { header: 'FIELD', value: (row) => row.field },
          { header: 'BEFORE', value: (row) => (row.field === null ? null : clipped(row.record.before?.[row.field])) },
          { header: 'AFTER', value: (row) => (row.field === null ? null : clipped(row.record.after?.[row.field])) },
          { header: 'REASON', value: onFirst((record) => record.reason) },
        ]),
      );
      if (cursor !== undefined) context.printer.err(`the first ${records.length} records; --limit shows more`);
    }),
  );
}
