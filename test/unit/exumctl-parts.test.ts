// exumctl's pure parts: option values as a Lync admin types them, settings precedence, and the
// review format of changes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fieldChanges, formatChanges } from '../../cli/changes.js';
import { CliError, EXIT, exitCodeOfStatus } from '../../cli/exit-codes.js';
import { bodyFromOptions } from '../../cli/fields.js';
import type { Command } from 'commander';
import { buildProgram } from '../../cli/main.js';
import { applyOperation, rolesFor } from '../../cli/roles.js';
import { apiRoutes } from '../../lib/api/api-routes.js';
import { resolveSettings, type GlobalFlags } from '../../cli/settings.js';
import { CLEAR, parseBool, parseTristate, parseUmServer } from '../../cli/values.js';

describe('option values', () => {
  it.each([
    ['true', true],
    ['$true', true],
    ['Yes', true],
    ['1', true],
    ['false', false],
    ['$FALSE', false],
    ['no', false],
    ['0', false],
  ])('%s is %s', (word, value) => {
    expect(parseBool(word)).toBe(value);
  });

  it('refuses other words, and takes $null for a tri-state', () => {
    expect(() => parseBool('maybe')).toThrow(/true or false/);
    expect(parseTristate('$null')).toBe(CLEAR);
    expect(parseTristate('null')).toBe(CLEAR);
    expect(parseTristate('$true')).toBe(true);
  });

  it('sends a cleared field as null', () => {
    const fields = [
      { flags: '--hosted-voicemail <value>', field: 'hostedVoicemail.admin', description: '' },
      { flags: '--site <site>', field: 'site', description: '' },
    ];
    expect(bodyFromOptions({ hostedVoicemail: CLEAR, site: 'Dublin' }, fields)).toEqual({
      hostedVoicemail: { admin: null },
      site: 'Dublin',
    });
    expect(bodyFromOptions({}, fields)).toEqual({});
  });

  it('reads a UM server as FQDN[:PORT][/TRANSPORT]@VERSION', () => {
    expect(parseUmServer('um01.contoso.com@15')).toEqual({ fqdn: 'um01.contoso.com', exchangeVersion: 15 });
    expect(parseUmServer('um01.contoso.com:5063/TCP@14')).toEqual({
      fqdn: 'um01.contoso.com',
      port: 5063,
      transport: 'tcp',
      exchangeVersion: 14,
    });
    expect(() => parseUmServer('um01.contoso.com:5061')).toThrow(/@VERSION/);
  });
});

describe('settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exumctl-settings-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, 'server: https://exum.example.com/\ntenant: from-file\ntoken: file-token\nca: certs/ca.pem\n');

  it('take flags over the environment over the config file, and say where each came from', () => {
    const settings = resolveSettings({ config: file, tenant: 'from-flag' }, { EXUM_TOKEN: 'env-token' }, dir);
    expect(settings).toMatchObject({
      server: 'https://exum.example.com',
      tenant: 'from-flag',
      token: 'env-token',
      ca: join(dir, 'certs/ca.pem'),
      output: 'table',
    });
    expect(settings.sources).toMatchObject({ server: 'config file', tenant: 'flag', token: 'environment' });
  });

  it('find ./.exumctl.yaml when no file is named', () => {
    const local = mkdtempSync(join(tmpdir(), 'exumctl-cwd-'));
    writeFileSync(join(local, '.exumctl.yaml'), 'tenant: from-cwd\n');
    expect(resolveSettings({}, { XDG_CONFIG_HOME: local }, local).tenant).toBe('from-cwd');
    expect(resolveSettings({}, { XDG_CONFIG_HOME: local }, dir).tenant).toBeUndefined();
  });

  it('refuse a config file with unknown keys or a bad server, as a usage error', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'sever: http://typo\n');
    expect(() => resolveSettings({ config: bad }, {}, dir)).toThrow(CliError);
    const refusal = (() => {
      try {
        resolveSettings({ server: 'exum.example.com' }, {}, dir);
        return undefined;
      } catch (error) {
        return error as CliError;
      }
    })();
    expect(refusal?.exitCode).toBe(EXIT.usage);
  });
});

describe('contexts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exumctl-contexts-'));
  const file = join(dir, 'contexts.yaml');
  writeFileSync(
    file,
    [
      'output: json',
      'current-context: user-admin',
      'contexts:',
      '  user-admin: { role: user-admin, server: http://127.0.0.1:3000, tenant: contoso, token: user-token }',
      '  server-admin: { role: server-admin, server: http://127.0.0.1:3000, tenant: contoso, token: server-token, ca: certs/ca.pem }',
      '  mine: { server: https://exum.example.com, tenant: fabrikam, token: my-token }',
      '',
    ].join('\n'),
  );
  const settings = (flags: GlobalFlags, env: NodeJS.ProcessEnv = {}, path: string[] = []) =>
    resolveSettings({ config: file, ...flags }, env, dir, rolesFor(path));

  it('take the current context, the top level for what it does not set, and say where each came from', () => {
    const chosen = settings({});
    expect(chosen).toMatchObject({
      token: 'user-token',
      tenant: 'contoso',
      output: 'json',
      context: { name: 'user-admin', source: 'config file' },
    });
    expect(chosen.sources).toMatchObject({ token: 'context user-admin', output: 'config file' });
  });

  it('take the context named by --context, else $EXUM_CONTEXT, with paths relative to the file', () => {
    expect(settings({ context: 'server-admin' }, { EXUM_CONTEXT: 'mine' })).toMatchObject({
      token: 'server-token',
      ca: join(dir, 'certs/ca.pem'),
      context: { name: 'server-admin', source: 'flag' },
    });
    expect(settings({}, { EXUM_CONTEXT: 'mine' })).toMatchObject({ token: 'my-token', context: { source: 'environment' } });
  });

  it('refuse a context the file does not have, naming those it has', () => {
    expect(() => settings({ context: 'nope' })).toThrow(/no context nope in .*: one of user-admin, server-admin, mine/);
    const bad = join(dir, 'bad-current.yaml');
    writeFileSync(bad, 'current-context: gone\ncontexts:\n  here: { token: t }\n');
    expect(() => resolveSettings({ config: bad }, {}, dir)).toThrow(/current-context: names no context/);
  });

  it("let a command take the context whose role allows it when the current one's role does not", () => {
    expect(settings({}, {}, ['provider', 'new'])).toMatchObject({
      token: 'server-token',
      context: { name: 'server-admin', source: 'role', current: 'user-admin' },
    });
    expect(settings({}, {}, ['edge', 'set']).context?.name).toBe('server-admin');
    // Reads and user commands stay with the current context.
    expect(settings({}, {}, ['provider', 'get']).context?.name).toBe('user-admin');
    expect(settings({}, {}, ['policy', 'grant']).context?.name).toBe('user-admin');
    expect(settings({}, {}, ['user', 'set']).context?.name).toBe('user-admin');
  });

  it('never switch when a context is named or a token given', () => {
    expect(settings({ context: 'user-admin' }, {}, ['provider', 'new']).token).toBe('user-token');
    expect(settings({}, { EXUM_CONTEXT: 'user-admin' }, ['provider', 'new']).token).toBe('user-token');
    expect(settings({ token: 'flag-token' }, {}, ['provider', 'new'])).toMatchObject({
      token: 'flag-token',
      context: { name: 'user-admin' },
    });
    expect(settings({}, { EXUM_TOKEN: 'env-token' }, ['provider', 'new']).token).toBe('env-token');
  });
});

describe('roles of commands', () => {
  const leaves = (command: Command, path: string[] = []): string[][] =>
    command.commands.length === 0 ? [path] : command.commands.flatMap((sub) => leaves(sub, [...path, sub.name()]));

  it('are known for every command but config and apply', () => {
    for (const path of leaves(buildProgram())) {
      if (path[0] === 'config' || path[0] === 'apply') expect(rolesFor(path), path.join(' ')).toBeUndefined();
      else expect(rolesFor(path), path.join(' ')).toBeDefined();
    }
  });

  it('are those of the API: server admins configure, user admins manage users and grants, operators tenants', () => {
    expect(rolesFor(['provider', 'enable'])).toEqual(['operator', 'server-admin']);
    expect(rolesFor(['policy', 'new'])).toEqual(['operator', 'server-admin']);
    expect(rolesFor(['policy', 'grant'])).toEqual(['operator', 'user-admin']);
    expect(rolesFor(['contact', 'move'])).toEqual(['operator', 'user-admin']);
    expect(rolesFor(['import'])).toEqual(['operator', 'user-admin']);
    expect(rolesFor(['migration', 'status'])).toEqual(['operator', 'server-admin', 'user-admin', 'reader']);
    expect(rolesFor(['test-voicemail'])).toEqual(['gateway', 'server-admin', 'user-admin', 'reader']);
    expect(rolesFor(['credential', 'get'])).toEqual(['operator']);
    expect(rolesFor(['operator-credential', 'get'])).toEqual(['operator']);
    expect(rolesFor(['operator-credential', 'revoke'])).toEqual(['operator']);
    expect(rolesFor(['dead-letters', 'replay'])).toEqual(['operator', 'user-admin']);
    expect(rolesFor(['dead-letters', 'discard'])).toEqual(['operator', 'user-admin']);
    expect(rolesFor(['dead-letters', 'list'])).toEqual(['operator', 'server-admin', 'user-admin', 'reader']);
    expect(rolesFor(['audit'])).toEqual(['operator', 'server-admin', 'user-admin', 'reader']);
  });

  it("of apply's steps are those of the routes each step calls, so a dry run refuses what the real apply would", () => {
    const sections = [
      'edge',
      'gateway-settings',
      'hosting-providers',
      'voicemail-policies',
      'dial-plans',
      'rerouting',
      'users',
      'contacts',
    ] as const;
    for (const section of sections)
      for (const action of ['create', 'update', 'delete'] as const) {
        if ((section === 'edge' || section === 'gateway-settings') && action === 'delete') continue;
        const operation = applyOperation(section, action);
        const route = apiRoutes.find((candidate) => candidate.method === operation.method && candidate.path === operation.path);
        expect(route, `${section} ${action}: ${operation.method} ${operation.path}`).toBeDefined();
        expect(operation.roles, `${section} ${action}`).toEqual(route!.roles);
      }
  });
});

describe('exit codes', () => {
  it.each([
    [400, EXIT.refused],
    [409, EXIT.refused],
    [412, EXIT.refused],
    [404, EXIT.notFound],
    [401, EXIT.denied],
    [403, EXIT.denied],
    [503, EXIT.unavailable],
    [500, EXIT.failed],
  ])('HTTP %i → %i', (status, code) => {
    expect(exitCodeOfStatus(status)).toBe(code);
  });
});

describe('changes for review', () => {
  it('list the fields that differ, nested ones dotted, arrays compared whole', () => {
    expect(fieldChanges({ a: 1, n: { x: true, y: 2 }, list: [1, 2] }, { a: 1, n: { x: false, y: 2 }, list: [1, 2, 3] })).toEqual([
      { field: 'n.x', before: true, after: false },
      { field: 'list', before: [1, 2], after: [1, 2, 3] },
    ]);
  });

  it('read as a plan', () => {
    expect(
      formatChanges([
        { action: 'create', type: 'user', id: 'sip:a@contoso.com', before: null, after: { sipUri: 'sip:a@contoso.com', site: null } },
        {
          action: 'update',
          type: 'user',
          id: 'sip:b@contoso.com',
          before: { hostedVoicemail: { admin: null } },
          after: { hostedVoicemail: { admin: true } },
        },
        { action: 'delete', type: 'contact', id: 'sip:sa@contoso.com', before: { sipUri: 'sip:sa@contoso.com' }, after: null },
      ]),
    ).toBe(
      [
        '+ create user sip:a@contoso.com',
        '    sipUri: sip:a@contoso.com',
        '    site: -',
        '~ update user sip:b@contoso.com',
        '    hostedVoicemail.admin: - → true',
        '- delete contact sip:sa@contoso.com',
      ].join('\n'),
    );
    expect(formatChanges([])).toBe('no changes');
    // An update that changes no field is no update.
    const same = { sipUri: 'sip:b@contoso.com', site: 'Dublin' };
    expect(formatChanges([{ action: 'update', type: 'user', id: 'sip:b@contoso.com', before: same, after: { ...same } }])).toBe(
      '= user sip:b@contoso.com unchanged',
    );
  });
});
