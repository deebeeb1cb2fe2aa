// The pure parts of `exumctl import`: CSV columns (ours and Lync's) to batch rows, and the
// resumable run that acknowledges batches in file order only.
import { describe, expect, it } from 'vitest';
import { mapHeader, rowFromRecord } from '../../cli/user-import/csv-columns.js';
import { runImport, type BatchAnswer, type ImportRow } from '../../cli/user-import/import-run.js';

const columnsOf = (header: string[]) => {
  const mapping = mapHeader(header);
  if (!mapping.ok) throw new Error(mapping.message);
  return mapping.columns;
};

describe('CSV columns', () => {
  it("reads Lync's Get-CsUser | Export-Csv names, case-insensitively", () => {
    const columns = columnsOf([
      'SipAddress',
      'LineURI',
      'Enabled',
      'EnterpriseVoiceEnabled',
      'HostedVoiceMail',
      'HostedVoicemailPolicy',
      'RegistrarPool',
      'ExUmEnabled',
      'DisplayName',
    ]);
    const row = rowFromRecord(
      ['sip:alice@contoso.com', 'tel:+14255550100', 'True', 'True', 'False', 'ExOnline', 'pool01.contoso.com', 'True', 'Alice'],
      columns,
    );
    expect(row).toEqual({
      ok: true,
      user: {
        sipUri: 'sip:alice@contoso.com',
        lineUri: 'tel:+14255550100',
        enabled: true,
        enterpriseVoiceEnabled: true,
        hostedVoicemail: { admin: false },
        hostedVoicemailPolicy: 'ExOnline',
        registrarPool: 'pool01.contoso.com',
        onPremisesUm: { enabled: true },
        displayName: 'Alice',
      },
    });
  });

  it('treats an empty cell as "none" where a field can be empty, and as "keep" for on/off fields', () => {
    const columns = columnsOf(['sipUri', 'lineUri', 'enabled', 'hostedVoicemail', 'onPremisesUm.dialPlan']);
    expect(rowFromRecord(['sip:bob@contoso.com', '', '', '', ''], columns)).toEqual({
      ok: true,
      user: { sipUri: 'sip:bob@contoso.com', lineUri: null, hostedVoicemail: { admin: null }, onPremisesUm: { dialPlan: null } },
    });
  });

  it('names the cells at fault', () => {
    const columns = columnsOf(['sipUri', 'enabled', 'hostedVoicemail']);
    expect(rowFromRecord(['', 'maybe', 'perhaps'], columns)).toEqual({
      ok: false,
      sipUri: null,
      issues: [
        { field: 'sipUri', rule: 'required', message: 'must not be empty' },
        { field: 'enabled', rule: 'boolean', message: 'must be true or false (got "maybe")' },
        { field: 'hostedVoicemail.admin', rule: 'boolean', message: 'must be true or false, or empty for none (got "perhaps")' },
      ],
    });
    expect(rowFromRecord(['sip:a@contoso.com'], columns)).toMatchObject({ ok: false, issues: [{ field: 'row', rule: 'column-count' }] });
  });

  it('refuses unknown, repeated and missing columns before any row is read', () => {
    expect(mapHeader(['sipUri', 'colour'])).toMatchObject({ ok: false, message: expect.stringContaining('unknown column "colour"') });
    expect(mapHeader(['sipUri', 'SipAddress'])).toMatchObject({ ok: false, message: 'two columns set sipUri' });
    expect(mapHeader(['lineUri'])).toMatchObject({ ok: false, message: expect.stringContaining('sipUri') });
  });
});

const rows = (count: number, bad: number[] = []): ImportRow[] =>
  Array.from({ length: count }, (_, index) => ({
    line: index + 2,
    row: bad.includes(index)
      ? { ok: false, sipUri: null, issues: [{ field: 'enabled', rule: 'boolean', message: 'x' }] }
      : { ok: true, user: { sipUri: `sip:u${index}@contoso.com` } },
  }));

const created = (users: Record<string, unknown>[]): BatchAnswer[] =>
  users.map((user) => ({ outcome: 'created', sipUri: String(user.sipUri) }));

describe('a resumable import run', () => {
  it('acknowledges batches in file order even when later ones finish first', async () => {
    const acknowledged: number[] = [];
    let call = 0;
    await runImport({
      rows: rows(10),
      startAt: 0,
      batchSize: 3,
      concurrency: 4,
      stopRequested: () => false,
      // The first batch is the slowest.
      send: async (users) => {
        const delay = call++ === 0 ? 40 : 1;
        await new Promise((resolve) => setTimeout(resolve, delay));
        return created(users);
      },
      onDone: async ({ done }) => void acknowledged.push(done),
    });
    expect(acknowledged).toEqual([3, 6, 9, 10]);
  });

  it('reports rows refused before sending with their line, and sends only the others', async () => {
    const sent: unknown[] = [];
    const failures: number[] = [];
    const counts: Record<string, number>[] = [];
    await runImport({
      rows: rows(4, [1]),
      startAt: 0,
      batchSize: 4,
      concurrency: 1,
      stopRequested: () => false,
      send: async (users) => {
        sent.push(...users);
        return users.map((user, index) =>
          index === 2
            ? { outcome: 'failed', sipUri: String(user.sipUri), errors: [{ field: 'lineUri', rule: 'line-uri', message: 'y' }] }
            : { outcome: 'created', sipUri: String(user.sipUri) },
        );
      },
      onDone: async (progress) => {
        failures.push(...progress.failures.map((failure) => failure.line));
        counts.push(progress.counts);
      },
    });
    expect(sent).toHaveLength(3);
    expect(failures).toEqual([3, 5]);
    expect(counts).toEqual([{ created: 2, updated: 0, unchanged: 0, failed: 2 }]);
  });

  it('stops sending when asked, leaving a done prefix to resume from, and resumes there', async () => {
    let batches = 0;
    const done = await runImport({
      rows: rows(10),
      startAt: 0,
      batchSize: 2,
      concurrency: 1,
      stopRequested: () => batches >= 2,
      send: async (users) => (batches++, created(users)),
      onDone: async () => undefined,
    });
    expect(done).toBe(4);
    const resent: unknown[] = [];
    const finished = await runImport({
      rows: rows(10),
      startAt: done,
      batchSize: 2,
      concurrency: 2,
      stopRequested: () => false,
      send: async (users) => (resent.push(...users.map((user) => user.sipUri)), created(users)),
      onDone: async () => undefined,
    });
    expect(finished).toBe(10);
    expect(resent[0]).toBe('sip:u4@contoso.com');
    expect(resent).toHaveLength(6);
  });
});
