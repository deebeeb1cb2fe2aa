// What every exumctl command gets: its settings, an API client, the printer, and the tenant's
// path. Commands are thin: parse options, make API calls, print.
import type { Command } from 'commander';
import { ApiClient, type ApiAnswer } from './api-client.js';
import { formatChanges, type Change } from './changes.js';
import { usageError, type ExitCode } from './exit-codes.js';
import { consolePrinter, printRecord, type Printer } from './output.js';
import { rolesFor } from './roles.js';
import { resolveSettings, type GlobalFlags, type Settings } from './settings.js';

export interface Context {
  settings: Settings;
  printer: Printer;
  client: ApiClient;
  /** The tenant the command acts in; a usage error when none is configured. */
  tenant: () => string;
  /** /v1/tenants/{tenant} followed by the given path segments, each percent-encoded. */
  tenantPath: (...segments: string[]) => string;
  /** Flags common to writes: --dry-run. */
  dryRun: boolean;
}

/** The command's path below the program, as `exumctl a b` names it ("provider new"). */
export function commandPath(command: Command): string[] {
  const path: string[] = [];
  for (let at: Command | null = command; at?.parent != null; at = at.parent) path.unshift(at.name());
  return path;
}

export function createContext(flags: GlobalFlags & { dryRun?: boolean }, path: readonly string[] = []): Context {
  const settings = resolveSettings(flags, process.env, process.cwd(), rolesFor(path));
  const tenant = () => {
    if (settings.tenant === undefined) throw usageError('no tenant: give --tenant, set EXUM_TENANT, or put tenant: in the config file');
    return settings.tenant;
  };
  return {
    settings,
    printer: consolePrinter(settings.output),
    client: new ApiClient(settings),
    tenant,
    tenantPath: (...segments) =>
      `/v1/tenants/${encodeURIComponent(tenant())}${segments.map((segment) => `/${encodeURIComponent(segment)}`).join('')}`,
    dryRun: flags.dryRun === true,
  };
}

/** A command's work; `Options` are its own options as Commander parsed them (declared by the command). */
export type Handler<Options> = (context: Context, args: string[], options: Options) => Promise<ExitCode | void>;

let activeContext: Context | undefined;

/** Says which context a command took for its role, so the credential used is never a surprise. */
function noteContextChosen(context: Context): void {
  const chosen = context.settings.context;
  if (chosen?.source !== 'role') return;
  context.printer.err(
    `exumctl: using context ${chosen.name} (role ${chosen.role ?? 'unknown'})${chosen.current === undefined ? '' : `: the current context ${chosen.current} may not do this`}`,
  );
}

/** Commander's action for a handler: the context from the global flags, the exit code set. */
export function run<Options = Record<string, never>>(handler: Handler<Options>) {
  return async (...received: unknown[]) => {
    const command = received.at(-1) as Command;
    // Commander passes the options it parsed, shaped by the options the command declared.
    const options = received.at(-2) as Options;
    const args = received.slice(0, -2) as string[];
    const context = createContext(command.optsWithGlobals<GlobalFlags & { dryRun?: boolean }>(), commandPath(command));
    activeContext = context;
    noteContextChosen(context);
    try {
      const code = await handler(context, args, options);
      process.exitCode = code ?? 0;
    } finally {
      context.client.close();
    }
  };
}

/** The settings of the command running (for errors), if one started. */
export const currentSettings = (): Settings | undefined => activeContext?.settings;

/** The printer of the command running (for errors), or a table printer before one started. */
export const currentPrinter = (): Printer => activeContext?.printer ?? consolePrinter('table');

/** The answer to a write: the record (and warnings), or for a dry run what would change. */
export function printWriteAnswer(context: Context, answer: ApiAnswer, done: string): void {
  const { printer } = context;
  const body = answer.body as { dryRun?: boolean; changes?: Change[]; warnings?: string[] } | undefined;
  if (body?.dryRun === true) {
    if (printer.mode === 'json') printer.out(JSON.stringify(body, null, 2));
    else printer.out(`dry run, nothing written:\n${formatChanges(body.changes ?? [])}`);
  } else if (answer.status === 204 || body === undefined) {
    if (printer.mode === 'json') printer.out(JSON.stringify({ done }));
    else printer.err(done);
  } else {
    // Warnings are printed as messages below, not as a field of the record.
    const record: Record<string, unknown> = { ...body };
    delete record.warnings;
    printRecord(printer, printer.mode === 'json' ? body : record);
    if (printer.mode === 'table') printer.err(done);
  }
  for (const warning of body?.warnings ?? []) printer.err(`WARNING: ${warning}`);
}

/** Writes take ?dryRun=true when asked; other requests take nothing. */
export const writeQuery = (context: Context) => (context.dryRun ? { dryRun: true } : {});
