// What every exumctl command gets: its settings, an API client, the printer, and the tenant's
// path. Commands are thin: parse options, make API calls, print.
import type { Command } from 'commander';
import { ApiClient, type ApiAnswer } from './api-client.js';
import { formatChanges, type Change } from './changes.js';
import { usageError, type ExitCode } from './exit-codes.js';
import { consolePrinter, printRecord, type Printer } from './output.js';
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

export function createContext(flags: GlobalFlags & { dryRun?: boolean }): Context {
  const settings = resolveSettings(flags);
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

export type Handler = (context: Context, args: string[], options: Record<string, any>) => Promise<ExitCode | void>;

let activeContext: Context | undefined;

/** Commander's action for a handler: the context from the global flags, the exit code set. */
export function run(handler: Handler) {
  return async (...received: unknown[]) => {
    const command = received.at(-1) as Command;
    const options = received.at(-2) as Record<string, any>;
    const args = received.slice(0, -2) as string[];
    const context = createContext(command.optsWithGlobals());
    activeContext = context;
    try {
      const code = await handler(context, args, options);
      process.exitCode = code ?? 0;
    } finally {
      context.client.close();
    }
  };
}

/** The printer of the command running (for errors), or a table printer before one started. */
export const currentPrinter = (): Printer => activeContext?.printer ?? consolePrinter('table');

/** The answer to a write: the record (and warnings), or for a dry run what would change. */
export function printWriteAnswer(context: Context, answer: ApiAnswer<any>, done: string): void {
  const { printer } = context;
  const body = answer.body as { dryRun?: boolean; changes?: Change[]; warnings?: string[] } | undefined;
  if (body?.dryRun === true) {
    if (printer.mode === 'json') printer.out(JSON.stringify(body, null, 2));
    else printer.out(`dry run, nothing written:\n${formatChanges(body.changes ?? [])}`);
  } else if (answer.status === 204 || body === undefined) {
    if (printer.mode === 'json') printer.out(JSON.stringify({ done }));
    else printer.err(done);
  } else {
    const { warnings: _warnings, ...record } = body as Record<string, unknown>;
    printRecord(printer, printer.mode === 'json' ? body : record);
    if (printer.mode === 'table') printer.err(done);
  }
  for (const warning of body?.warnings ?? []) printer.err(`WARNING: ${warning}`);
}

/** Writes take ?dryRun=true when asked; other requests take nothing. */
export const writeQuery = (context: Context) => (context.dryRun ? { dryRun: true } : {});
