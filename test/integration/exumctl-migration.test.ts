// exumctl's migration commands against a service whose stream processor runs: start with a
// live progress display while the provider answers, status per user, rollback, list.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/exit-codes.js';
import { exumctlAt, spawnExumctl } from '../support/exumctl.js';
import { expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { createTenantWithCredentials, useTestService, type ApiClient } from '../support/service.js';

const T = '/v1/tenants/contoso';
let tokens: Awaited<ReturnType<typeof createTenantWithCredentials>>;
let providerToken: string;
const context = useTestService(
  async (api: ApiClient) => {
    tokens = await createTenantWithCredentials(api, 'contoso', ['contoso.com']);
    await setUpHostedProvider(api, 'contoso');
    providerToken = (await expectCreated(api.post(`${T}/credentials`, { role: 'provider', name: 'exo', providerId: 'exo' }))).token;
  },
  { streamProcessor: true },
);
const url = () => context.service.url;
const asUserAdmin = (args: string[]) => exumctlAt(url, tokens['user-admin'], 'contoso')(args);
const json = (stdout: string) => JSON.parse(stdout);

describe('migrations', () => {
  it('starts a migration and watches it live until the provider has answered every user', async () => {
    for (const name of ['mig1', 'mig2'])
      await expectCreated(context.api.post(`${T}/users`, { sipUri: `sip:${name}@contoso.com`, enterpriseVoiceEnabled: true }));
    const watcher = spawnExumctl(
      [
        'migration',
        'start',
        '--provider',
        'exo',
        '--user',
        'sip:mig1@contoso.com,sip:mig2@contoso.com',
        '--grant-policy',
        'ExOnline',
        '--watch',
      ],
      {
        env: { EXUM_SERVER: url(), EXUM_TOKEN: tokens['user-admin'], EXUM_TENANT: 'contoso' },
      },
    );
    let stdout = '';
    let stderr = '';
    watcher.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    watcher.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const provider = context.api.as(providerToken);
    const migrationId = await (async () => {
      for (;;) {
        const listed = (await context.api.get(`${T}/migrations`)).body.items[0];
        if (listed !== undefined) return listed.id as string;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    // The stream processor requests the wave from the provider; answers come after that.
    while ((await context.api.get(`${T}/migrations/${migrationId}`)).body.counts.requested < 2)
      await new Promise((resolve) => setTimeout(resolve, 100));
    for (const sipUri of ['sip:mig1@contoso.com', 'sip:mig2@contoso.com']) {
      await expectCreated(provider.put(`${T}/migrations/${migrationId}/users/${sipUri}/answer`, { status: 'ready' }));
    }
    const [code] = await once(watcher, 'close');
    expect(code).toBe(EXIT.ok);
    expect(stderr).toMatch(/2\/2 settled/);
    expect(stdout).toMatch(/Counts\s+: pending 0 {2}requested 0 {2}completed 2/);
    const status = await asUserAdmin(['migration', 'status', migrationId, '--users']);
    expect(status.stdout).toMatch(/sip:mig1@contoso\.com\s+1\s+completed/);
    const rollback = await asUserAdmin(['migration', 'rollback', migrationId, '--user', 'sip:mig1@contoso.com']);
    expect(rollback.stdout).toBe('rolled back 1 user: sip:mig1@contoso.com\n');
    // JSON output is the answer, and still exit 0.
    const rollbackJson = await asUserAdmin(['migration', 'rollback', migrationId, '--user', 'sip:mig2@contoso.com', '-o', 'json']);
    expect(rollbackJson.code).toBe(EXIT.ok);
    expect(json(rollbackJson.stdout)).toMatchObject({ rolledBack: ['sip:mig2@contoso.com'] });
    expect(json((await asUserAdmin(['migration', 'list', '-o', 'json'])).stdout)[0]).toMatchObject({ id: migrationId, providerId: 'exo' });
  });

  it('follows a start accepted in the background (a filter: 202) until its users are enrolled; a refusal met there fails the command', async () => {
    for (const name of ['dub1', 'dub2'])
      await expectCreated(
        context.api.post(`${T}/users`, { sipUri: `sip:${name}@contoso.com`, enterpriseVoiceEnabled: true, site: 'Dublin' }),
      );
    const run = await asUserAdmin([
      'migration',
      'start',
      '--provider',
      'exo',
      '--site',
      'Dublin',
      '--grant-policy',
      'ExOnline',
      '-o',
      'json',
    ]);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stderr).toMatch(/accepted migration mig_\S+: enrolling/);
    expect(json(run.stdout)).toMatchObject({ state: 'running', currentWave: 1, userCount: 2 });
    // The same users again: refused while enrolling, as a start refused at once would be.
    const again = await asUserAdmin(['migration', 'start', '--provider', 'exo', '--site', 'Dublin', '--wave-size', '1']);
    expect(again.code).toBe(EXIT.refused);
    expect(again.stderr).toMatch(/one-open-migration-per-user/);
  });

  it('refuses users and a filter together before calling the service (exit 2)', async () => {
    const run = await asUserAdmin(['migration', 'start', '--provider', 'exo', '--user', 'sip:a@contoso.com', '--site', 'Dublin']);
    expect(run.code).toBe(EXIT.usage);
  });
});
