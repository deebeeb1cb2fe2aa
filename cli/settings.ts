// Where exumctl finds its server, credential and tenant: flags first, then the environment,
// then a config file (--config, $EXUMCTL_CONFIG, ./.exumctl.yaml, ~/.config/exumctl/config.yaml).
// A file holds settings at its top level, or named contexts (one credential each) and the current one.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { ROLES, type Role } from '../lib/domain/credential.js';
import { usageError } from './exit-codes.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:3000';

/** What reaches one service as one principal: the settings a context holds. */
const connection = {
  server: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  token: z.string().min(1).optional(),
  tenant: z.string().min(1).optional(),
  ca: z.string().min(1).optional().meta({ description: 'PEM file of the CA that signed the server certificate' }),
  cert: z.string().min(1).optional().meta({ description: 'Client certificate (PEM) for mutual TLS' }),
  key: z.string().min(1).optional().meta({ description: 'Key of the client certificate (PEM)' }),
};

export const ContextSettingsSchema = z.strictObject({
  ...connection,
  role: z
    .enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` })
    .optional()
    .meta({ description: "The token's role: exumctl picks this context for commands that need it" }),
});
export type ContextSettings = z.infer<typeof ContextSettingsSchema>;

const contextName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
  error: 'a context name is 1 to 64 letters, digits, ".", "_" or "-"',
});

export const ConfigFileSchema = z
  .strictObject({
    ...connection,
    output: z.enum(['table', 'json']).optional(),
    'current-context': contextName.optional(),
    contexts: z.record(contextName, ContextSettingsSchema).optional(),
  })
  .superRefine((file, ctx) => {
    const current = file['current-context'];
    if (current !== undefined && file.contexts?.[current] === undefined) {
      ctx.addIssue({ code: 'custom', path: ['current-context'], message: `names no context of the file (${current})` });
    }
  });
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** The settings a context (or the top level of a file, or a flag) can give. */
export type ConnectionKey = keyof typeof connection;
export const CONNECTION_KEYS = Object.keys(connection) as ConnectionKey[];
type SettingName = ConnectionKey | 'output';

/** Where a setting came from: `context NAME` is a context of the config file. */
export type SettingSource = 'flag' | 'environment' | 'config file' | `context ${string}` | 'default';

/** How the context in effect was chosen. */
export type ContextSource = 'flag' | 'environment' | 'config file' | 'role';

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
  /** The context in effect, its role (when the file says), and how it was chosen. */
  context: { name: string; role: Role | undefined; source: ContextSource; current: string | undefined } | undefined;
  /** Where each setting came from, for `exumctl config show`. */
  sources: Partial<Record<SettingName, SettingSource>>;
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
  context?: string;
  timeout?: string;
}

const ENVIRONMENT: Record<SettingName, string> = {
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

const describeIssues = (error: z.ZodError) =>
  error.issues.map((issue) => `${issue.path.map(String).join('.') || '(top)'}: ${issue.message}`).join('; ');

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
  if (!parsed.success) throw usageError(`the config file ${path} is invalid: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Checks a file about to be written; a usage error naming the key at fault. */
export function validConfigFile(candidate: unknown): ConfigFile {
  const parsed = ConfigFileSchema.safeParse(candidate);
  if (!parsed.success) throw usageError(describeIssues(parsed.error));
  return parsed.data;
}

const present = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

/**
 * The context in effect: the one named (--context, $EXUM_CONTEXT), else the file's current one.
 * Unless one was named or a token given, a command that needs roles the current context lacks
 * takes the file's first context whose role has one of them: as a Lync administrator holding
 * several RBAC roles runs each cmdlet with the role that allows it.
 */
function chooseContext(
  flags: GlobalFlags,
  env: NodeJS.ProcessEnv,
  file: ConfigFile,
  configFile: string | undefined,
  roles: readonly Role[] | undefined,
): Settings['context'] {
  const contexts = file.contexts ?? {};
  const current = file['current-context'];
  const named = flags.context !== undefined ? { name: flags.context, source: 'flag' as const } : undefined;
  const fromEnv = present(env.EXUM_CONTEXT);
  const explicit = named ?? (fromEnv === undefined ? undefined : { name: fromEnv, source: 'environment' as const });
  if (explicit !== undefined) {
    const context = contexts[explicit.name];
    if (context === undefined) {
      const known = Object.keys(contexts);
      throw usageError(
        `no context ${explicit.name} in ${configFile ?? 'any config file'}${known.length > 0 ? `: one of ${known.join(', ')}` : ' (it has no contexts)'}`,
      );
    }
    return { name: explicit.name, role: context.role, source: explicit.source, current };
  }
  const inEffect = current === undefined ? undefined : { name: current, role: contexts[current]?.role, source: 'config file' as const };
  const tokenGiven = flags.token !== undefined || present(env.EXUM_TOKEN) !== undefined;
  if (roles === undefined || tokenGiven) return inEffect === undefined ? undefined : { ...inEffect, current };
  // Only a context known to lack the role gives way; one without a role (or a top-level token) is used as it is.
  const lacksRole = inEffect === undefined ? file.token === undefined : inEffect.role !== undefined && !roles.includes(inEffect.role);
  if (lacksRole) {
    const allowed = Object.entries(contexts).find(([, context]) => context.role !== undefined && roles.includes(context.role));
    if (allowed !== undefined) return { name: allowed[0], role: allowed[1].role, source: 'role', current };
  }
  return inEffect === undefined ? undefined : { ...inEffect, current };
}

/**
 * The settings in effect. `roles`: the roles allowed to run the command, when it is known;
 * they let a command take the context whose role allows it (see chooseContext).
 */
export function resolveSettings(
  flags: GlobalFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  roles?: readonly Role[],
): Settings {
  const configFile = configFilePath(flags, env, cwd);
  const file = configFile === undefined ? {} : readConfigFile(configFile);
  const context = chooseContext(flags, env, file, configFile, roles);
  const contextSettings = context === undefined ? {} : (file.contexts?.[context.name] ?? {});
  const sources: Settings['sources'] = {};
  const pick = (name: SettingName): string | undefined => {
    const fromFlag = flags[name];
    if (fromFlag !== undefined) return ((sources[name] = 'flag'), fromFlag);
    const fromEnv = present(env[ENVIRONMENT[name]]);
    if (fromEnv !== undefined) return ((sources[name] = 'environment'), fromEnv);
    const fromContext = name === 'output' ? undefined : contextSettings[name];
    if (fromContext !== undefined && context !== undefined) return ((sources[name] = `context ${context.name}`), fromContext);
    if (file[name] !== undefined) return ((sources[name] = 'config file'), file[name]);
    sources[name] = 'default';
    return undefined;
  };
  // Certificate paths in a config file are relative to the file, as a reader of the file expects.
  const path = (name: 'ca' | 'cert' | 'key') => {
    const value = pick(name);
    if (value === undefined) return undefined;
    const fromFile = sources[name] !== 'flag' && sources[name] !== 'environment';
    return fromFile && configFile !== undefined ? resolve(configFile, '..', value) : resolve(cwd, value);
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
    context,
    sources,
  };
}
