// exumctl's own settings: where they come from (config show) and writing the config file (config set).
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { usageError } from '../exit-codes.js';
import { describe } from '../help.js';
import { formatRecord } from '../output.js';
import { ConfigFileSchema, readConfigFile, resolveSettings, userConfigPath } from '../settings.js';

const KEYS = Object.keys(ConfigFileSchema.shape) as (keyof typeof ConfigFileSchema.shape)[];

/** A token shows only its start, enough to tell two apart. */
const masked = (token: string | undefined) => (token === undefined ? undefined : `${token.slice(0, 10)}… (${token.length} characters)`);

export function addConfigCommands(program: Command): void {
  const config = program.command('config').description("exumctl's settings: flags, then environment, then the config file");
  describe(config.command('show'), {
    summary: 'Show the settings in effect and where each comes from (the token masked)',
    examples: ['exumctl config show', 'EXUM_TENANT=fabrikam exumctl config show'],
  }).action((_options: unknown, command: Command) => {
    const settings = resolveSettings(command.optsWithGlobals());
    const values: Record<string, unknown> = {
      server: settings.server,
      tenant: settings.tenant,
      token: masked(settings.token),
      ca: settings.ca,
      cert: settings.cert,
      key: settings.key,
      output: settings.output,
    };
    const shown = Object.fromEntries(
      Object.entries(values).map(([key, value]) => [
        key,
        value === undefined ? `- (${settings.sources[key] ?? 'default'})` : `${String(value)} (${settings.sources[key] ?? 'default'})`,
      ]),
    );
    if (settings.output === 'json')
      process.stdout.write(
        `${JSON.stringify({ ...values, configFile: settings.configFile ?? null, sources: settings.sources }, null, 2)}\n`,
      );
    else process.stdout.write(`${formatRecord({ ...shown, 'config file': settings.configFile ?? '(none)' })}\n`);
  });
  describe(config.command('set').argument('<key>', KEYS.join(' | ')).argument('<value>', 'the value; an empty string removes the key'), {
    summary: `Write a setting to the config file (--config, $EXUMCTL_CONFIG, or ${userConfigPath().replace(process.env.HOME ?? '~', '~')})`,
    examples: [
      'exumctl config set server https://exum.contoso.com',
      'exumctl config set tenant contoso',
      'exumctl config set token "$(cat ~/secrets/exum-user-admin)"',
    ],
  }).action((key: string, value: string, _options: unknown, command: Command) => {
    if (!(KEYS as string[]).includes(key)) throw usageError(`unknown setting ${key}: one of ${KEYS.join(', ')}`);
    const flags = command.optsWithGlobals() as { config?: string };
    const path = resolve(flags.config ?? process.env.EXUMCTL_CONFIG ?? userConfigPath());
    const current: Record<string, unknown> = existsSync(path) ? { ...readConfigFile(path) } : {};
    if (value === '') delete current[key];
    else current[key] = value;
    const parsed = ConfigFileSchema.safeParse(current);
    if (!parsed.success) throw usageError(`${key}: ${parsed.error.issues[0]?.message}`);
    mkdirSync(dirname(path), { recursive: true });
    // The file may hold a token: readable by its owner only.
    writeFileSync(path, stringify(parsed.data), { mode: 0o600 });
    chmodSync(path, 0o600);
    process.stderr.write(`${value === '' ? 'removed' : 'set'} ${key} in ${path}\n`);
  });
}
