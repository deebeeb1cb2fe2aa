// Help text shared by the commands: every command ends its --help with examples, and names the
// Lync cmdlet it mirrors so an administrator finds their way.
import type { Command } from 'commander';

export function describe(command: Command, options: { summary: string; lync?: string; examples: string[] }): Command {
  command.summary(options.summary.split('\n')[0]!);
  command.description(options.lync === undefined ? options.summary : `${options.summary}\n(Lync: ${options.lync})`);
  command.addHelpText(
    'after',
    `\nExample${options.examples.length > 1 ? 's' : ''}:\n${options.examples.map((example) => `  $ ${example}`).join('\n')}\n`,
  );
  return command;
}
