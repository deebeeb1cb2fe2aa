// exumctl: the command line of exum-router, for UC administrators and SREs. Every command maps
// onto the API; errors end with an exit code a script can rely on (./exit-codes.ts).
import { Command, CommanderError } from 'commander';
import { addAuditCommand } from './commands/audit.js';
import { addConfigCommands } from './commands/config.js';
import { addConfigurationCommands } from './commands/configuration.js';
import { addDeadLetterCommands } from './commands/dead-letters.js';
import { addDeclarativeCommands } from './commands/declarative.js';
import { addImportCommand } from './commands/import.js';
import { addMigrationCommands } from './commands/migrations.js';
import { addOperatorCredentialCommands } from './commands/operator-credentials.js';
import { addPrincipalCommandGroups } from './commands/principals.js';
import { addTenantCommands } from './commands/tenants.js';
import { addTestVoicemailCommand } from './commands/test-voicemail.js';
import { currentPrinter, currentSettings } from './context.js';
import { CliError, EXIT } from './exit-codes.js';

export function buildProgram(): Command {
  const program = new Command('exumctl')
    .description(
      'exum-router from the command line: hosting providers, voicemail policies, users, contacts, migrations, and where a call to voicemail goes.',
    )
    .version('0.1.0')
    .option('--server <url>', 'the exum-router API ($EXUM_SERVER; default http://127.0.0.1:3000)')
    .option('--token <token>', 'bearer credential ($EXUM_TOKEN)')
    .option('--tenant <id>', 'the tenant to act in ($EXUM_TENANT)')
    .option('--ca <file>', 'PEM CA that signed the server certificate ($EXUM_CA)')
    .option('--cert <file>', 'client certificate for mutual TLS ($EXUM_CLIENT_CERT)')
    .option('--key <file>', 'key of the client certificate ($EXUM_CLIENT_KEY)')
    .option('-o, --output <format>', 'table (default) or json ($EXUM_OUTPUT)')
    .option('--config <file>', 'config file ($EXUMCTL_CONFIG; default ./.exumctl.yaml, then ~/.config/exumctl/config.yaml)')
    .option(
      '--context <name>',
      "a context of the config file: its server, tenant and credential ($EXUM_CONTEXT; default: the file's current context, or the one whose role the command needs)",
    )
    .option('--timeout <seconds>', 'per request (default 30)')
    .option('--dry-run', 'for writes: validate and show what would change, write nothing (-WhatIf)')
    .showHelpAfterError('(add --help for usage and an example)')
    .exitOverride();
  program.addHelpText(
    'after',
    `
Settings come from flags, then the environment, then the config file (its context in effect, then its top level).
Exit codes: ${EXIT.ok} ok, ${EXIT.failed} failed, ${EXIT.usage} usage, ${EXIT.refused} refused by the service (invalid or against a rule),
${EXIT.notFound} not found, ${EXIT.denied} not authenticated or not allowed, ${EXIT.unavailable} service unavailable or unreachable,
${EXIT.partial} done in part (import, apply, dead-letters replay --wait), ${EXIT.rejected} test-voicemail: the call would be rejected, ${EXIT.interrupted} interrupted.

Example:
  $ exumctl --tenant contoso test-voicemail sip:alice@contoso.com
`,
  );
  addTestVoicemailCommand(program);
  addPrincipalCommandGroups(program);
  addConfigurationCommands(program);
  addMigrationCommands(program);
  addDeadLetterCommands(program);
  addAuditCommand(program);
  addDeclarativeCommands(program);
  addImportCommand(program);
  addTenantCommands(program);
  addOperatorCredentialCommands(program);
  addConfigCommands(program);
  return program;
}

/** The message for a failure, with each field at fault on its own line. */
function report(error: CliError): void {
  const printer = currentPrinter();
  if (printer.mode === 'json' && error.problem !== undefined) printer.out(JSON.stringify(error.problem, null, 2));
  printer.err(`exumctl: ${error.message}`);
  // Each field at fault with its rule (the message above already says a lone one in words).
  for (const issue of error.problem?.errors ?? [])
    printer.err(
      `  ${issue.field}: ${error.problem!.errors.length === 1 && error.message.includes(issue.message) ? '' : `${issue.message} `}(${issue.rule})`,
    );
  // A refused role is most often the wrong credential: name the one used and where the others are.
  const context = currentSettings()?.context;
  if (error.exitCode === EXIT.denied && context !== undefined)
    printer.err(
      `  the context ${context.name}${context.role === undefined ? '' : ` (role ${context.role})`} was used: exumctl config get-contexts lists the others, --context picks one`,
    );
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    // Commander has already printed its own message (and the help, where asked for).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof CliError) {
      report(error);
      return error.exitCode;
    }
    process.stderr.write(`exumctl: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.failed;
  }
}
