// exumctl against a running service, as an administrator or a script uses it: each command
// group through its own process, tables and -o json, dry runs, and exit codes to rely on.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../cli/main.js';
import type { Command } from 'commander';
import { EXIT } from '../../cli/exit-codes.js';
import { exumctl, exumctlAt } from '../support/exumctl.js';
import { expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { createTenantWithCredentials, OPERATOR_TOKEN, useTestService, type ApiClient } from '../support/service.js';

const T = '/v1/tenants/contoso';
let tokens: Awaited<ReturnType<typeof createTenantWithCredentials>>;
let providerToken: string;
const context = useTestService(async (api: ApiClient) => {
  tokens = await createTenantWithCredentials(api, 'contoso', ['contoso.com']);
  await setUpHostedProvider(api, 'contoso');
  await expectCreated(
    api.post(`${T}/dial-plans`, {
      id: 'dp.contoso.com',
      uriType: 'sip-name',
      voipSecurity: 'secured',
      servers: [{ fqdn: 'um01.contoso.local', exchangeVersion: 15 }],
    }),
  );
  await expectCreated(
    api.post(`${T}/users`, {
      sipUri: 'sip:alice@contoso.com',
      lineUri: 'tel:+14255551001',
      enterpriseVoiceEnabled: true,
      site: 'Dublin',
      onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' },
    }),
  );
  providerToken = (await expectCreated(api.post(`${T}/credentials`, { role: 'provider', name: 'exo', providerId: 'exo' }))).token;
  // Carol's voicemail is already hosted by the provider's own flag.
  await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:carol@contoso.com', hostedVoicemailPolicy: 'ExOnline' }));
  await expectCreated(api.as(providerToken).put(`${T}/users/sip:carol@contoso.com/hosted-voicemail/provider`, { value: true }));
});
const url = () => context.service.url;
const asUserAdmin = (args: string[]) => exumctlAt(url, tokens['user-admin'], 'contoso')(args);
const asServerAdmin = (args: string[]) => exumctlAt(url, tokens['server-admin'], 'contoso')(args);
const asOperator = (args: string[]) => exumctlAt(url, OPERATOR_TOKEN, 'contoso')(args);
const json = (stdout: string) => JSON.parse(stdout);

describe('test-voicemail', () => {
  it('shows the decision, its hops and every check, and exits 0 when the call is routed', async () => {
    const run = await asUserAdmin(['test-voicemail', 'sip:alice@contoso.com']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/Result\s+: Success/);
    expect(run.stdout).toMatch(/Decision\s+: on-premises/);
    expect(run.stdout).toMatch(/Next hop\s+: sip:um01\.contoso\.local:5061;transport=tls/);
    expect(run.stdout).toMatch(/find object\s+yes\s+user sip:alice@contoso\.com/);
  });

  it('exits 8 for a rejection, with the SIP answer and diagnostic; -o json is the API answer', async () => {
    const run = await asUserAdmin(['test-voicemail', 'sip:nobody@contoso.com', '-o', 'json']);
    expect(run.code).toBe(EXIT.rejected);
    expect(json(run.stdout)).toMatchObject({ decision: 'reject', sipStatus: 404, diagnostic: { code: 15010 } });
  });
});

describe('users', () => {
  it('sets hosted voicemail like Set-CsUser, and the decision follows', async () => {
    const set = await asUserAdmin([
      'user',
      'set',
      'sip:alice@contoso.com',
      '--hosted-voicemail',
      '$true',
      '--hosted-voicemail-policy',
      'ExOnline',
    ]);
    expect(set.code).toBe(EXIT.ok);
    expect(set.stdout).toMatch(/hostedVoicemail\.admin\s+: true/);
    const test = await asUserAdmin(['test-voicemail', 'sip:alice@contoso.com', '-o', 'json']);
    expect(json(test.stdout).decision).toBe('hosted');
    const cleared = await asUserAdmin(['user', 'set', 'sip:alice@contoso.com', '--hosted-voicemail', '$null']);
    expect(cleared.code).toBe(EXIT.ok);
    expect(json((await asUserAdmin(['test-voicemail', 'sip:alice@contoso.com', '-o', 'json'])).stdout).decision).toBe('on-premises');
  });

  it('warns when the provider already manages the user, as the cmdlet does', async () => {
    const run = await asUserAdmin(['user', 'set', 'sip:carol@contoso.com', '--hosted-voicemail', 'false']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stderr).toMatch(/WARNING: hostedVoicemail\.provider is already set/);
  });

  it('does not warn when the admin value is cleared: the provider flag decides again', async () => {
    const run = await asUserAdmin(['user', 'set', 'sip:carol@contoso.com', '--hosted-voicemail', '$null']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/hostedVoicemail\.admin\s+: -/);
    expect(run.stderr).not.toContain('WARNING');
    expect(run.stderr).not.toContain('takes precedence');
  });

  it('says a dry run that changes nothing is unchanged, with no empty update', async () => {
    const dry = await asUserAdmin(['--dry-run', 'user', 'set', 'sip:alice@contoso.com', '--line-uri', 'tel:+14255551001']);
    expect(dry.code, dry.stderr).toBe(EXIT.ok);
    expect(dry.stdout).toContain('= user sip:alice@contoso.com unchanged');
    expect(dry.stdout).not.toContain('~ update');
  });

  it('names the rule a refusal broke once', async () => {
    const run = await asUserAdmin(['user', 'new', 'sip:carol@contoso.com']);
    expect(run.code).toBe(EXIT.refused);
    expect(run.stderr.match(/unique-sip-address-across-users-and-contacts/g), run.stderr).toHaveLength(1);
  });

  it('lists users as a table, filtered, or as JSON for scripts', async () => {
    const table = await asUserAdmin(['user', 'get', '--filter-site', 'Dublin']);
    expect(table.stdout.split('\n')[0]).toMatch(/^SIP ADDRESS\s+LINE URI\s+ENABLED\s+EV\s+SITE\s+POLICY\s+HOSTED VOICEMAIL\s+ON-PREM UM$/);
    expect(table.stdout).toContain('sip:alice@contoso.com');
    expect(table.stdout).not.toContain('sip:carol@contoso.com');
    const all = json((await asUserAdmin(['user', 'get', '-o', 'json'])).stdout);
    expect(all.map((user: { sipUri: string }) => user.sipUri).sort()).toEqual(['sip:alice@contoso.com', 'sip:carol@contoso.com']);
    const byNumber = json((await asUserAdmin(['user', 'get', '--filter-line-uri', 'tel:+1425555*', '-o', 'json'])).stdout);
    expect(byNumber.map((user: { sipUri: string }) => user.sipUri)).toEqual(['sip:alice@contoso.com']);
  });

  it('creates and removes a user; --dry-run shows the change and writes nothing', async () => {
    const before = await context.service.snapshot();
    const dry = await asUserAdmin(['--dry-run', 'user', 'new', 'sip:dave@contoso.com', '--line-uri', 'tel:+14255551004']);
    expect(dry.code).toBe(EXIT.ok);
    expect(dry.stdout).toContain('+ create user sip:dave@contoso.com');
    expect(dry.stdout).toContain('lineUri: tel:+14255551004');
    expect(await context.service.snapshot()).toBe(before);
    expect((await asUserAdmin(['user', 'new', 'sip:dave@contoso.com', '--line-uri', 'tel:+14255551004'])).code).toBe(EXIT.ok);
    expect((await asUserAdmin(['user', 'remove', 'sip:dave@contoso.com'])).code).toBe(EXIT.ok);
    expect((await asUserAdmin(['user', 'get', 'sip:dave@contoso.com'])).code).toBe(EXIT.notFound);
  });
});

describe('dry runs check the role first, as the real write does', () => {
  const asReader = (args: string[]) => exumctlAt(url, tokens.reader, 'contoso')(args);
  const refusedAsTheWriteIs = async (args: string[], operation: string, needs: string) => {
    const before = await context.service.snapshot();
    const dry = await asReader(['--dry-run', ...args]);
    const real = await asReader(args);
    expect(dry.code, dry.stderr).toBe(EXIT.denied);
    expect(real.code, real.stderr).toBe(EXIT.denied);
    for (const run of [dry, real]) {
      expect(run.stderr).toContain(`the reader role may not ${operation}`);
      expect(run.stderr).toContain(`allowed roles: ${needs}`);
    }
    expect(dry.stdout).not.toContain('dry run');
    expect(await context.service.snapshot()).toBe(before);
  };

  it('a single write', async () => {
    await refusedAsTheWriteIs(
      ['user', 'set', 'sip:alice@contoso.com', '--site', 'Paris'],
      'PATCH /v1/tenants/{tenant}/users/{sipUri}',
      'operator, user-admin',
    );
  });

  it('a batch: import', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'exumctl-dry-role-')), 'users.csv');
    writeFileSync(path, 'sipUri,site\nsip:alice@contoso.com,Paris\n');
    await refusedAsTheWriteIs(['import', path], 'POST /v1/tenants/{tenant}/users/batch', 'operator, user-admin');
  });
});

describe('configuration', () => {
  it('manages a hosting provider: new, enable, disable, get, remove', async () => {
    const created = await asServerAdmin(['provider', 'new', 'fab', '--proxy-fqdn', 'proxy.fabrikam.com', '--shared-address-space', 'true']);
    expect(created.code).toBe(EXIT.ok);
    expect((await asServerAdmin(['provider', 'enable', 'fab'])).code).toBe(EXIT.ok);
    expect(json((await asServerAdmin(['provider', 'get', 'fab', '-o', 'json'])).stdout).enabled).toBe(true);
    expect((await asServerAdmin(['provider', 'disable', 'fab'])).code).toBe(EXIT.ok);
    const list = await asServerAdmin(['provider', 'get']);
    expect(list.stdout).toMatch(/^fab\s+proxy\.fabrikam\.com\s+false\s+true\s+false/m);
    expect((await asServerAdmin(['provider', 'remove', 'fab'])).code).toBe(EXIT.ok);
    expect((await asServerAdmin(['provider', 'get', 'fab'])).code).toBe(EXIT.notFound);
  });

  it('grants and revokes tag policies to users and contacts', async () => {
    expect(
      (
        await asServerAdmin([
          'policy',
          'new',
          'tag:Sales',
          '--destination',
          'exap.um.outlook.com',
          '--organization',
          'contoso.onmicrosoft.com,sales.contoso.com',
        ])
      ).code,
    ).toBe(EXIT.ok);
    expect(json((await asServerAdmin(['policy', 'get', 'tag:Sales', '-o', 'json'])).stdout).organizations).toEqual([
      'contoso.onmicrosoft.com',
      'sales.contoso.com',
    ]);
    await expectCreated(context.api.post(`${T}/contacts`, { sipUri: 'sip:exum-sa@contoso.com', displayNumber: '+14255550100' }));
    expect((await asUserAdmin(['policy', 'grant', 'sip:exum-sa@contoso.com', 'Sales'])).code).toBe(EXIT.ok);
    expect((await context.api.get(`${T}/contacts/sip:exum-sa@contoso.com`)).body.hostedVoicemailPolicy).toBe('Sales');
    const inUse = await asServerAdmin(['policy', 'remove', 'tag:Sales']);
    expect(inUse.code).toBe(EXIT.refused);
    expect(inUse.stderr).toContain('(policy-not-granted)');
    expect((await asUserAdmin(['policy', 'revoke', 'sip:exum-sa@contoso.com'])).code).toBe(EXIT.ok);
    expect((await asServerAdmin(['policy', 'remove', 'tag:Sales'])).code).toBe(EXIT.ok);
  });

  it('takes dial plan servers in one word, edge and rerouting settings, and contact moves', async () => {
    expect(
      (
        await asServerAdmin([
          'dial-plan',
          'new',
          'dp2.contoso.com',
          '--uri-type',
          'e164',
          '--voip-security',
          'unsecured',
          '--um-server',
          'um05.contoso.local:5060/tcp@15',
          '--um-server',
          'um06.contoso.local@14',
        ])
      ).code,
    ).toBe(EXIT.ok);
    expect(json((await asServerAdmin(['dial-plan', 'get', 'dp2.contoso.com', '-o', 'json'])).stdout).servers).toEqual([
      { fqdn: 'um05.contoso.local', port: 5060, transport: 'tcp', exchangeVersion: 15 },
      { fqdn: 'um06.contoso.local', port: 5061, transport: 'tls', exchangeVersion: 14 },
    ]);
    expect((await asServerAdmin(['edge', 'set', '--next-hop', 'sip:edge-int.contoso.com:5061'])).code).toBe(EXIT.ok);
    expect(json((await asServerAdmin(['edge', 'get', '-o', 'json'])).stdout)).toMatchObject({
      routingMode: 'dns-srv',
      allowFederatedUsers: true,
      nextHop: 'sip:edge-int.contoso.com:5061',
    });
    expect((await asServerAdmin(['rerouting', 'new', 'global', '--enabled', 'true', '--auto-attendant-number', '+14255550000'])).code).toBe(
      EXIT.ok,
    );
    expect(
      (
        await asUserAdmin([
          'contact',
          'new',
          'sip:exum-aa@contoso.com',
          '--display-number',
          '+14255550200',
          '--kind',
          'auto-attendant',
          '--dial-plan',
          'dp2.contoso.com',
          '--registrar-pool',
          'pool01.contoso.com',
        ])
      ).code,
    ).toBe(EXIT.ok);
    expect((await asUserAdmin(['contact', 'move', 'sip:exum-aa@contoso.com', '--target-pool', 'pool02.contoso.com'])).code).toBe(EXIT.ok);
    expect(json((await asUserAdmin(['contact', 'get', 'sip:exum-aa@contoso.com', '-o', 'json'])).stdout)).toMatchObject({
      registrarPool: 'pool02.contoso.com',
      kind: 'auto-attendant',
      onPremisesDialPlan: 'dp2.contoso.com',
    });
  });

  it('sets the gateway settings (stale-if-error), refusing a value out of bounds naming the field and rule', async () => {
    expect(json((await asServerAdmin(['gateway-settings', 'get', '-o', 'json'])).stdout)).toMatchObject({
      staleIfErrorSeconds: 86_400,
      version: 0,
    });
    expect((await asServerAdmin(['gateway-settings', 'set', '--stale-if-error', '3600'])).code).toBe(EXIT.ok);
    expect(json((await asServerAdmin(['gateway-settings', 'get', '-o', 'json'])).stdout)).toMatchObject({
      staleIfErrorSeconds: 3_600,
      version: 1,
    });
    const refused = await asServerAdmin(['gateway-settings', 'set', '--stale-if-error', '999999']);
    expect(refused.code).toBe(EXIT.refused);
    expect(refused.stderr).toContain('staleIfErrorSeconds');
    expect(refused.stderr).toContain('max');
  });

  it('refuses what the rules refuse, naming field and rule, with exit 3', async () => {
    const run = await asServerAdmin(['edge', 'set', '--routing-mode', 'default-route']);
    expect(run.code).toBe(EXIT.refused);
    expect(run.stderr).toContain('routingMode');
    expect(run.stderr).toContain('no-hosting-providers-on-default-route');
  });
});

describe('operators', () => {
  it('create a credential whose token works at once, list credentials, and revoke it', async () => {
    const created = json((await asOperator(['credential', 'new', '--role', 'reader', '--name', 'auditor', '-o', 'json'])).stdout);
    expect(created.token).toMatch(/^exum_/);
    expect((await exumctlAt(url, created.token, 'contoso')(['user', 'get', 'sip:alice@contoso.com'])).code).toBe(EXIT.ok);
    expect((await asOperator(['credential', 'get'])).stdout).toContain(created.id);
    expect((await asOperator(['credential', 'revoke', created.id])).code).toBe(EXIT.ok);
    expect((await exumctlAt(url, created.token, 'contoso')(['user', 'get', 'sip:alice@contoso.com'])).code).toBe(EXIT.denied);
  });

  it('create a tenant with its domains', async () => {
    expect((await asOperator(['tenant', 'new', 'fabrikam', '--name', 'Fabrikam', '--domain', 'fabrikam.com,fabrikam.net'])).code).toBe(
      EXIT.ok,
    );
    expect(json((await asOperator(['tenant', 'get', 'fabrikam', '-o', 'json'])).stdout).domains).toEqual(['fabrikam.com', 'fabrikam.net']);
  });

  it('show a tenant with its summary: the mode and the counts behind it', async () => {
    const shown = json((await asOperator(['tenant', 'get', 'fabrikam', '-o', 'json'])).stdout);
    expect(shown.summary).toMatchObject({
      mode: 'on-premises',
      users: { hosted: 0, onPremises: 0, notRoutable: 0 },
      migrations: { running: 0, completed: 0, cancelled: 0 },
      deadLetters: { waiting: 0, capped: false },
      lastChangeAt: null,
    });
    const table = (await asOperator(['tenant', 'get', 'fabrikam'])).stdout;
    expect(table).toMatch(/summary\.mode\s+: on-premises/);
    expect(table).toMatch(/summary\.users\.hosted\s+: 0/);
  });
});

describe('exit codes and settings', () => {
  it.each([
    ['a bad option value', ['user', 'set', 'sip:alice@contoso.com', '--enabled', 'maybe'], EXIT.usage],
    ['an unknown command', ['frobnicate'], EXIT.usage],
    ['an invalid value the service refuses', ['user', 'set', 'sip:alice@contoso.com', '--line-uri', '4255550100'], EXIT.refused],
    ['an object that does not exist', ['provider', 'get', 'nope'], EXIT.notFound],
    ['a role that may not', ['provider', 'new', 'x', '--proxy-fqdn', 'x.example.com'], EXIT.denied],
  ])('%s', async (_what, args, code) => {
    expect((await asUserAdmin(args)).code).toBe(code);
  });

  it('exits 5 for a bad token and 6 when the service cannot be reached', async () => {
    expect((await exumctlAt(url, 'exum_not_a_real_token_000000000000', 'contoso')(['user', 'get'])).code).toBe(EXIT.denied);
    const down = await exumctlAt(() => 'http://127.0.0.1:9', tokens.reader, 'contoso')(['user', 'get']);
    expect(down.code).toBe(EXIT.unavailable);
    expect(down.stderr).toContain('connection refused');
  });

  it('puts the field at fault in a -o json problem on stdout, for scripts', async () => {
    const run = await asUserAdmin(['-o', 'json', 'user', 'set', 'sip:alice@contoso.com', '--line-uri', '4255550100']);
    expect(json(run.stdout)).toMatchObject({ status: 400, errors: [{ field: 'lineUri', rule: 'line-uri' }] });
  });

  it('writes settings to its config file (owner-only) and reads them back', async () => {
    const home = mkdtempSync(join(tmpdir(), 'exumctl-config-'));
    const env = { XDG_CONFIG_HOME: home };
    for (const [key, value] of [
      ['server', url()],
      ['tenant', 'contoso'],
      ['token', tokens.reader],
    ] as const) {
      expect((await exumctl(['config', 'set', key, value], { env })).code).toBe(EXIT.ok);
    }
    const file = join(home, 'exumctl', 'config.yaml');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('tenant: contoso');
    const shown = await exumctl(['config', 'show'], { env });
    expect(shown.stdout).toMatch(/tenant\s+: contoso \(config file\)/);
    expect(shown.stdout).not.toContain(tokens.reader);
    expect((await exumctl(['user', 'get', 'sip:alice@contoso.com'], { env })).code).toBe(EXIT.ok);
    expect((await exumctl(['--tenant', 'fabrikam', 'user', 'get', 'sip:alice@contoso.com'], { env })).code).toBe(EXIT.notFound);
  });
});

describe('contexts', () => {
  /** A config file as npm start -- --demo writes it: one context per credential, the user admin's current. */
  const contextsFile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'exumctl-contexts-'));
    const context = (name: string, token: string) => [
      `  ${name}:`,
      `    role: ${name}`,
      `    server: ${url()}`,
      '    tenant: contoso',
      `    token: ${token}`,
    ];
    writeFileSync(
      join(dir, '.exumctl.yaml'),
      [
        '# as npm start -- --demo writes it',
        'current-context: user-admin',
        'contexts:',
        ...context('user-admin', tokens['user-admin']),
        ...context('server-admin', tokens['server-admin']),
        ...context('reader', tokens.reader),
        '',
      ].join('\n'),
    );
    return dir;
  };

  it('run each command with the context whose role allows it, saying so, unless one is named', async () => {
    const cwd = contextsFile();
    const created = await exumctl(['rerouting', 'new', 'site:Contexts', '--enabled', 'false'], { cwd });
    expect(created.code).toBe(EXIT.ok);
    expect(created.stderr).toContain('using context server-admin (role server-admin): the current context user-admin may not do this');
    const userWrite = await exumctl(['user', 'set', 'sip:alice@contoso.com', '--display-name', 'Alice'], { cwd });
    expect(userWrite.code).toBe(EXIT.ok);
    expect(userWrite.stderr).not.toContain('using context');
    const denied = await exumctl(['--context', 'user-admin', 'rerouting', 'remove', 'site:Contexts'], { cwd });
    expect(denied.code).toBe(EXIT.denied);
    expect(denied.stderr).toContain('the context user-admin (role user-admin) was used: exumctl config get-contexts lists the others');
    expect((await exumctl(['rerouting', 'remove', 'site:Contexts'], { cwd, env: { EXUM_CONTEXT: 'reader' } })).code).toBe(EXIT.denied);
    expect((await exumctl(['--context', 'nope', 'user', 'get'], { cwd })).code).toBe(EXIT.usage);
    expect((await exumctl(['rerouting', 'remove', 'site:Contexts'], { cwd })).code).toBe(EXIT.ok);
  });

  it('are listed, and use-context changes the current one, keeping the comments of the file', async () => {
    const cwd = contextsFile();
    const listed = json((await exumctl(['config', 'get-contexts', '-o', 'json'], { cwd })).stdout);
    expect(listed.map((row: { name: string; current: boolean; role: string }) => [row.name, row.current, row.role])).toEqual([
      ['user-admin', true, 'user-admin'],
      ['server-admin', false, 'server-admin'],
      ['reader', false, 'reader'],
    ]);
    expect((await exumctl(['config', 'use-context', 'reader'], { cwd })).code).toBe(EXIT.ok);
    const file = readFileSync(join(cwd, '.exumctl.yaml'), 'utf8');
    expect(file).toContain('current-context: reader');
    expect(file).toContain('# as npm start -- --demo writes it');
    expect((await exumctl(['config', 'show'], { cwd })).stdout).toMatch(/context\s+: reader \(current-context\)/);
    // The reader may not write users: user set takes the user admin's context.
    expect((await exumctl(['user', 'set', 'sip:alice@contoso.com', '--display-name', 'Alice A.'], { cwd })).stderr).toContain(
      'using context user-admin',
    );
    expect((await exumctl(['config', 'use-context', 'nope'], { cwd })).code).toBe(EXIT.usage);
  });
});

describe('--help', () => {
  /** Every command that runs something, as `exumctl a b` would name it. */
  const leaves = (command: Command, path: string[] = []): { path: string[]; command: Command }[] =>
    command.commands.length === 0 ? [{ path, command }] : command.commands.flatMap((sub) => leaves(sub, [...path, sub.name()]));

  it('ends with an example for every command', () => {
    const commands = leaves(buildProgram());
    expect(commands.length).toBeGreaterThan(40);
    for (const { path, command } of commands) {
      let help = '';
      command.configureOutput({ writeOut: (text) => (help += text), writeErr: (text) => (help += text) });
      command.outputHelp();
      expect(help, path.join(' ')).toMatch(/\nExamples?:\n {2}\$ exumctl /);
    }
  });

  it('is printed by the installed command with exit 0', async () => {
    const run = await exumctl(['user', 'set', '--help']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain('--hosted-voicemail <true|false|null>');
    expect(run.stdout).toContain('$ exumctl user set sip:alice@contoso.com --hosted-voicemail true');
  });
});
