// exumctl import against a service: Lync's column names, a per-row error report that does not
// stop the good rows, idempotent re-runs, and resumption after Ctrl-C or a kill.
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { EXIT } from '../../cli/exit-codes.js';
import { exumctlAt, spawnExumctl } from '../support/exumctl.js';
import { setUpHostedProvider } from '../support/fixtures.js';
import { createTenantWithCredentials, useTestService, type ApiClient } from '../support/service.js';

const T = '/v1/tenants/contoso';
let tokens: Awaited<ReturnType<typeof createTenantWithCredentials>>;
const context = useTestService(async (api: ApiClient) => {
  tokens = await createTenantWithCredentials(api, 'contoso', ['contoso.com']);
  await setUpHostedProvider(api, 'contoso');
});
const dir = mkdtempSync(join(tmpdir(), 'exumctl-import-'));
const env = () => ({ EXUM_SERVER: context.service.url, EXUM_TOKEN: tokens['user-admin'], EXUM_TENANT: 'contoso' });
const importer = (args: string[]) => exumctlAt(() => context.service.url, tokens['user-admin'], 'contoso')(args);

const csv = (name: string, lines: string[]) => {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
};

/** A file of `count` valid users, numbered from `from`. */
const usersFile = (name: string, count: number, from = 0) =>
  csv(name, [
    'sipUri,lineUri,enterpriseVoiceEnabled,site',
    ...Array.from(
      { length: count },
      (_, i) => `sip:bulk${from + i}@contoso.com,tel:+1206${String(from + i).padStart(7, '0')},true,Seattle`,
    ),
  ]);

async function countUsers(prefix: string): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const page: { body: { items: { sipUri: string }[]; nextCursor: string | null } } = await context.api.get(
      `${T}/users?limit=500${cursor === null ? '' : `&cursor=${cursor}`}`,
    );
    count += page.body.items.filter((user) => user.sipUri.startsWith(prefix)).length;
    cursor = page.body.nextCursor;
  } while (cursor !== null);
  return count;
}

/** Waits until the saved state says at least `rows` rows are done. */
async function rowsDone(statePath: string, rows: number, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(statePath)) {
      const done = JSON.parse(readFileSync(statePath, 'utf8')).rowsDone as number;
      if (done >= rows) return done;
    }
    if (Date.now() > deadline) throw new Error(`fewer than ${rows} rows done in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('exumctl import', () => {
  it("takes Lync's column names, writes the good rows, and reports each bad one by row, field and rule", async () => {
    const path = csv('lync.csv', [
      'SipAddress,LineURI,Enabled,EnterpriseVoiceEnabled,HostedVoiceMail,HostedVoicemailPolicy',
      'sip:alice@contoso.com,tel:+14255551001,True,True,True,ExOnline',
      'sip:bob@contoso.com,tel:+14255551002,True,True,,',
      'bad@contoso.com,,True,True,,',
      'sip:carol@contoso.com,tel:+14255551001,True,True,,',
      'sip:dave@contoso.com,tel:+14255551004,maybe,True,,',
      'sip:erin@fabrikam.com,,True,True,,',
      'sip:frank@contoso.com,,True,True,,Nope',
    ]);
    const run = await importer(['import', path]);
    expect(run.code).toBe(EXIT.partial);
    expect(run.stdout).toContain('imported 7 of 7 rows of');
    expect(run.stdout).toContain('created 2, updated 0, unchanged 0, failed 5');
    const report = parse<Record<string, string>>(readFileSync(`${path}.errors.csv`), { columns: true });
    expect(report.map((line) => `${line.row} ${line.sipUri} ${line.field} ${line.rule}`)).toEqual([
      '4 bad@contoso.com sipUri sip-scheme',
      '5 sip:carol@contoso.com lineUri unique-in-batch',
      '6 sip:dave@contoso.com enabled boolean',
      '7 sip:erin@fabrikam.com sipUri tenant-sip-domain',
      '8 sip:frank@contoso.com hostedVoicemailPolicy policy-exists',
    ]);
    expect((await context.api.get(`${T}/users/sip:alice@contoso.com`)).body).toMatchObject({
      hostedVoicemail: { admin: true },
      hostedVoicemailPolicy: 'ExOnline',
    });
    expect((await context.api.get(`${T}/users/sip:bob@contoso.com`)).body.hostedVoicemail.admin).toBeNull();
  });

  it('is idempotent: the same file again changes nothing', async () => {
    const path = usersFile('again.csv', 300, 10_000);
    expect((await importer(['import', path])).code).toBe(EXIT.ok);
    const before = await context.service.snapshot();
    const again = await importer(['import', path, '-o', 'json']);
    expect(again.code).toBe(EXIT.ok);
    expect(JSON.parse(again.stdout).counts).toEqual({ created: 0, updated: 0, unchanged: 300, failed: 0 });
    expect(await context.service.snapshot()).toBe(before);
    expect(existsSync(`${path}.errors.csv`)).toBe(false);
    expect(existsSync(`${path}.import-state.json`)).toBe(false);
  });

  it('resumes after being killed outright, where the saved state says, and ends with every row', async () => {
    const path = usersFile('killed.csv', 3000);
    const child = spawnExumctl(['import', path, '--batch-size', '100', '--concurrency', '2'], { env: env() });
    const doneAtKill = await rowsDone(`${path}.import-state.json`, 600);
    child.kill('SIGKILL');
    await once(child, 'close');
    expect(doneAtKill).toBeLessThan(3000);

    const resumed = await importer(['import', path, '--batch-size', '100', '-o', 'json']);
    expect(resumed.code, resumed.stderr).toBe(EXIT.ok);
    expect(resumed.stderr).toMatch(/resuming the import of .*killed\.csv: \d+ of 3000 rows were done/);
    const result = JSON.parse(resumed.stdout);
    expect(result).toMatchObject({ rowsTotal: 3000, rowsDone: 3000, finished: true });
    expect(result.counts.created + result.counts.unchanged).toBe(3000);
    expect(result.counts.failed).toBe(0);
    expect(await countUsers('sip:bulk')).toBe(3000 + 300);
    expect(existsSync(`${path}.import-state.json`)).toBe(false);
  });

  it('stops on Ctrl-C after the batches in flight (exit 130), refuses to resume a changed file, and restarts when asked', async () => {
    const path = usersFile('interrupted.csv', 2000, 20_000);
    const child = spawnExumctl(['import', path, '--batch-size', '100', '--concurrency', '1'], { env: env() });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await rowsDone(`${path}.import-state.json`, 200);
    child.kill('SIGINT');
    const [code] = await once(child, 'close');
    expect(code).toBe(EXIT.interrupted);
    expect(stderr).toMatch(/interrupted: run the same command to resume from row \d+/);
    const saved = JSON.parse(readFileSync(`${path}.import-state.json`, 'utf8'));
    expect(saved.rowsDone % 100).toBe(0);
    expect(saved.rowsDone).toBeLessThan(2000);

    writeFileSync(path, `${readFileSync(path, 'utf8')}sip:late@contoso.com,,true,Seattle\n`);
    const changed = await importer(['import', path]);
    expect(changed.code).toBe(EXIT.usage);
    expect(changed.stderr).toContain('the file changed since the interrupted import');
    const restarted = await importer(['import', path, '--restart', '-o', 'json']);
    expect(restarted.code).toBe(EXIT.ok);
    expect(JSON.parse(restarted.stdout)).toMatchObject({
      rowsDone: 2001,
      counts: { created: 2001 - saved.rowsDone, unchanged: saved.rowsDone, failed: 0 },
    });
  });

  it('checks every row with --dry-run and writes nothing, not even a saved state', async () => {
    const path = csv('dry.csv', ['sipUri,lineUri', 'sip:dry1@contoso.com,tel:+14255559001', 'sip:dry2@contoso.com,tel:+14255551001']);
    const before = await context.service.snapshot();
    const run = await importer(['--dry-run', 'import', path]);
    expect(run.code).toBe(EXIT.partial);
    expect(run.stdout).toContain('checked 2 of 2 rows');
    expect(run.stdout).toContain('created 1, updated 0, unchanged 0, failed 1');
    expect(await context.service.snapshot()).toBe(before);
    expect(existsSync(`${path}.import-state.json`)).toBe(false);
  });

  it('refuses an unknown column before sending anything (exit 2)', async () => {
    const run = await importer(['import', csv('columns.csv', ['sipUri,favouriteColour', 'sip:x@contoso.com,blue'])]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain('unknown column "favouriteColour"');
  });
});
