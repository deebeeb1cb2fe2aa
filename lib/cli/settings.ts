// Where exumctl finds its server, credential and tenant: flags first, then the environment,
// then a config file (--config, $EXUMCTL_CONFIG, ./.exumctl.yaml, ~/.config/exumctl/config.yaml).
// The file is YAML (JSON is YAML too); `npm start -- --demo` writes ./.exumctl.yaml.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { usageError } from './exit-codes.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:3000';

export const ConfigFileSchema = z.strictObject({
  server: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  token: z.string().min(1).optional(),
  tenant: z.string().min(1).optional(),
  ca: z.string().min(1).optional().meta({ description: 'PEM file of the CA that signed the server certificate' }),
  cert: z.string().min(1).optional().meta({ description: 'Client certificate (PEM) for mutual TLS' }),
  key: z.string().min(1).optional().meta({ description: 'Key of the client certificate (PEM)' }),
  output: z.enum(['table', 'json']).optional(),
});
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

export interface Settings {
  server: string;
  token: string | undefined;
  tenant: string | undefined;
  ca: string | undefined;
  cert: string | undefined;
  key: string | undefined;
  output: 'table' | 'json';
  timeoutMs: number;
  /** The config file read, if any. */
  configFile: string | undefined;
  /** Where each setting came from, for `exumctl config show`. */
  sources: Record<string, 'flag' | 'environment' | 'config file' | 'default'>;
}

export interface GlobalFlags {
  server?: string;
  token?: string;
  tenant?: string;
  ca?: string;
  cert?: string;
  key?: string;
  output?: string;
  config?: string;
  timeout?: string;
}

const ENVIRONMENT: Record<keyof ConfigFile, string> = {
  server: 'EXUM_SERVER',
  token: 'EXUM_TOKEN',
  tenant: 'EXUM_TENANT',
  ca: 'EXUM_CA',
  cert: 'EXUM_CLIENT_CERT',
  key: 'EXUM_CLIENT_KEY',
  output: 'EXUM_OUTPUT',
};

/** The user's own config file, where `exumctl config set` writes unless told otherwise. */
export const userConfigPath = (env: NodeJS.ProcessEnv = process.env) =>
  join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'exumctl', 'config.yaml');

/** The config file that applies: the one named, else ./.exumctl.yaml, else the user's. */
export function configFilePath(flags: GlobalFlags, env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const named = flags.config ?? env.EXUMCTL_CONFIG;
  if (named !== undefined) return resolve(cwd, named);
  const local = join(cwd, '.exumctl.yaml');
  if (existsSync(local)) return local;
  const user = userConfigPath(env);
  return existsSync(user) ? user : undefined;
}

export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw usageError(`cannot read the config file ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw usageError(`the config file ${path} is not YAML or JSON: ${(error as Error).message}`);
  }
  const parsed = ConfigFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw usageError(
      `the config file ${path} is invalid: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export function resolveSettings(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Settings {
  const configFile = configFilePath(flags, env, cwd);
  const file = configFile === undefined ? {} : readConfigFile(configFile);
  const sources: Settings['sources'] = {};
  const pick = (name: keyof ConfigFile): string | undefined => {
    const fromFlag = flags[name];
    if (fromFlag !== undefined) return ((sources[name] = 'flag'), fromFlag);
    const fromEnv = env[ENVIRONMENT[name]];
    if (fromEnv !== undefined && fromEnv !== '') return ((sources[name] = 'environment'), fromEnv);
    if (file[name] !== undefined) return ((sources[name] = 'config file'), file[name]);
    sources[name] = 'default';
    return undefined;
  };
  // Certificate paths in a config file are relative to the file, as a reader of the file expects.
  const path = (name: 'ca' | 'cert' | 'key') => {
    const value = pick(name);
    if (value === undefined) return undefined;
    return sources[name] === 'config file' && configFile !== undefined ? resolve(configFile, '..', value) : resolve(cwd, value);
  };
  const server = (pick('server') ?? DEFAULT_SERVER).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(server)) throw usageError(`the server must be an http(s) URL, such as ${DEFAULT_SERVER} (got ${server})`);
  const output = pick('output') ?? 'table';
  if (output !== 'table' && output !== 'json') throw usageError(`output must be table or json (got ${output})`);
  const timeoutMs = flags.timeout === undefined ? 30_000 : Number(flags.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw usageError(`--timeout must be a number of seconds (got ${flags.timeout})`);
  return {
    server,
    token: pick('token'),
    tenant: pick('tenant'),
    ca: path('ca'),
    cert: path('cert'),
    key: path('key'),
    output,
    timeoutMs,
    configFile,
    sources,
  };
}
