// exumctl's own settings: where they come from (config show), writing the config file (config
// set), and its named contexts, one credential each (config get-contexts, config use-context).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseDocument, stringify } from 'yaml';
import { usageError } from '../exit-codes.js';
import { describe } from '../help.js';
import { consolePrinter, formatRecord, printList } from '../output.js';
import {
  CONNECTION_KEYS,
  configFilePath,
  readConfigFile,
  resolveSettings,
  userConfigPath,
  validConfigFile,
  type ConfigFile,
  type GlobalFlags,
} from '../settings.js';

/** Keys `config set` writes: a context's keys go into the context named or in effect. */
const CONTEXT_KEYS = [...CONNECTION_KEYS, 'role'] as const;
const KEYS = [...CONTEXT_KEYS, 'output', 'current-context'] as const;
type Key = (typeof KEYS)[number];
const isKey = (key: string): key is Key => (KEYS as readonly string[]).includes(key);
const isContextKey = (key: Key): key is (typeof CONTEXT_KEYS)[number] => (CONTEXT_KEYS as readonly string[]).includes(key);

/** A token shows only its start, enough to tell two apart. */
const masked = (token: string | undefined) => (token === undefined ? undefined : `${token.slice(0, 10)}… (${token.length} characters)`);

/** The file `config set` writes: the one named, else the user's own. */
const fileToWrite = (flags: GlobalFlags) => resolve(flags.config ?? process.env.EXUMCTL_CONFIG ?? userConfigPath());

function writeConfigFile(path: string, file: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true });
  // The file may hold tokens: readable by its owner only.
  writeFileSync(path, stringify(file), { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function addConfigCommands(program: Command): void {
  const config = program.command('config').description("exumctl's settings: flags, then environment, then the config file");
  describe(config.command('show'), {
    summary: 'Show the settings in effect and where each comes from (the token masked)',
    examples: ['exumctl config show', 'EXUM_TENANT=fabrikam exumctl config show'],
  }).action((_options: unknown, command: Command) => {
    const settings = resolveSettings(command.optsWithGlobals<GlobalFlags>());
    const values = {
      server: settings.server,
      tenant: settings.tenant,
      token: masked(settings.token),
      ca: settings.ca,
      cert: settings.cert,
      key: settings.key,
      output: settings.output,
    };
    const shown = Object.fromEntries(
      Object.entries(values).map(([key, value]) => {
        const source = settings.sources[key as keyof typeof values] ?? 'default';
        return [key, value === undefined ? `- (${source})` : `${value} (${source})`];
      }),
    );
    const context = settings.context;
    if (settings.output === 'json')
      process.stdout.write(
        `${JSON.stringify({ ...values, context: context?.name ?? null, configFile: settings.configFile ?? null, sources: settings.sources }, null, 2)}\n`,
      );
    else
      process.stdout.write(
        `${formatRecord({
          ...shown,
          context:
            context === undefined ? '-' : `${context.name} (${context.source === 'config file' ? 'current-context' : context.source})`,
          'config file': settings.configFile ?? '(none)',
        })}\n`,
      );
  });

  describe(config.command('set').argument('<key>', KEYS.join(' | ')).argument('<value>', 'the value; an empty string removes the key'), {
    summary: `Write a setting to the config file (--config, $EXUMCTL_CONFIG, or ${userConfigPath().replace(process.env.HOME ?? '~', '~')}); with --context, or when the file has a current context, a context's setting goes into that context`,
    examples: [
      'exumctl config set server https://exum.contoso.com',
      'exumctl config set tenant contoso',
      'exumctl --context server-admin config set token "$(cat ~/secrets/exum-server-admin)"',
      'exumctl --context server-admin config set role server-admin',
    ],
  }).action((key: string, value: string, _options: unknown, command: Command) => {
    if (!isKey(key)) throw usageError(`unknown setting ${key}: one of ${KEYS.join(', ')}`);
    const flags = command.optsWithGlobals<GlobalFlags>();
    const path = fileToWrite(flags);
    const current: ConfigFile = existsSync(path) ? readConfigFile(path) : {};
    const contextName = isContextKey(key)
      ? (flags.context ?? (process.env.EXUM_CONTEXT || undefined) ?? current['current-context'])
      : undefined;
    const target: Record<string, unknown> = contextName === undefined ? { ...current } : { ...current.contexts?.[contextName] };
    if (value === '') delete target[key];
    else target[key] = value;
    const next = contextName === undefined ? target : { ...current, contexts: { ...current.contexts, [contextName]: target } };
    let file: ConfigFile;
    try {
      file = validConfigFile(next);
    } catch (error) {
      throw usageError(`${key}: ${(error as Error).message}`);
    }
    writeConfigFile(path, file);
    process.stderr.write(
      `${value === '' ? 'removed' : 'set'} ${key}${contextName === undefined ? '' : ` of context ${contextName}`} in ${path}\n`,
    );
  });

  describe(config.command('get-contexts'), {
    summary: "List the config file's contexts: name, role, tenant and server; * marks the current one",
    examples: ['exumctl config get-contexts'],
  }).action((_options: unknown, command: Command) => {
    const flags = command.optsWithGlobals<GlobalFlags>();
    const path = configFilePath(flags, process.env, process.cwd());
    const file: ConfigFile = path === undefined ? {} : readConfigFile(path);
    const rows = Object.entries(file.contexts ?? {}).map(([name, context]) => ({
      current: name === file['current-context'],
      name,
      role: context.role ?? null,
      tenant: context.tenant ?? file.tenant ?? null,
      server: context.server ?? file.server ?? null,
    }));
    const printer = consolePrinter(flags.output === 'json' || process.env.EXUM_OUTPUT === 'json' ? 'json' : 'table');
    printList(
      printer,
      rows,
      [
        { header: 'CURRENT', value: (row) => (row.current ? '*' : '') },
        { header: 'NAME', value: (row) => row.name },
        { header: 'ROLE', value: (row) => row.role },
        { header: 'TENANT', value: (row) => row.tenant },
        { header: 'SERVER', value: (row) => row.server },
      ],
      `no contexts in ${path ?? 'any config file'}`,
    );
  });

  describe(config.command('use-context').argument('<name>', 'a context of the config file'), {
    summary: 'Make a context the current one: commands use it unless --context, $EXUM_CONTEXT or their role says otherwise',
    examples: ['exumctl config use-context server-admin'],
  }).action((name: string, _options: unknown, command: Command) => {
    const flags = command.optsWithGlobals<GlobalFlags>();
    const path = configFilePath(flags, process.env, process.cwd());
    if (path === undefined) throw usageError('no config file: there are no contexts to use (npm start -- --demo writes one)');
    const file = readConfigFile(path);
    const known = Object.keys(file.contexts ?? {});
    if (!known.includes(name))
      throw usageError(`no context ${name} in ${path}${known.length > 0 ? `: one of ${known.join(', ')}` : ' (it has no contexts)'}`);
    // Edited in place, so the file keeps its comments and order.
    const document = parseDocument(readFileSync(path, 'utf8'));
    document.set('current-context', name);
    writeFileSync(path, document.toString(), { mode: 0o600 });
    process.stderr.write(`switched to context ${name} in ${path}\n`);
  });
}
