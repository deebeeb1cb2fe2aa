// Operator credentials (every tenant), as operators manage them: list, create (the token is shown
// once), revoke (never the last active one); and the bootstrap of the first one, straight into the
// table with AWS credentials, for a deployment that has none yet (docs/deploy.md).
import type { Command } from 'commander';
import type { OperatorCredential } from '../../lib/management/operator-credentials.js';
import { printWriteAnswer, run, writeQuery } from '../context.js';
import { usageError } from '../exit-codes.js';
import { describe } from '../help.js';
import { consolePrinter, printList, printRecord } from '../output.js';

export function addOperatorCredentialCommands(program: Command): void {
  const group = program
    .command('operator-credential')
    .description('operator credentials: bearer tokens of no tenant, for every tenant (operators)');
  describe(group.command('get').alias('list'), {
    summary: 'List the operator credentials, revoked ones included (never their tokens)',
    examples: ['exumctl operator-credential get', 'exumctl operator-credential list -o json'],
  }).action(
    run(async (context) =>
      printList(
        context.printer,
        await context.client.list<OperatorCredential>('/v1/operator-credentials'),
        [
          { header: 'ID', value: (c) => c.id },
          { header: 'NAME', value: (c) => c.name },
          { header: 'CREATED', value: (c) => c.createdAt },
          { header: 'CREATED BY', value: (c) => c.createdBy },
          { header: 'REVOKED', value: (c) => c.revokedAt },
          { header: 'REVOKED BY', value: (c) => c.revokedBy?.credentialId ?? null },
        ],
        'no operator credentials',
      ),
    ),
  );
  describe(group.command('new').alias('create').requiredOption('--name <name>', 'who or what it is for, e.g. "alice (SRE)"'), {
    summary: 'Create an operator credential; its token is printed this once',
    examples: ['exumctl operator-credential new --name "alice (SRE)"'],
  }).action(
    run<{ name: string }>(async (context, _args, options) => {
      const answer = await context.client.post('/v1/operator-credentials', { name: options.name }, { query: writeQuery(context) });
      printWriteAnswer(context, answer, 'created the operator credential: keep its token now, it is not shown again');
    }),
  );
  describe(group.command('revoke').argument('<id>', 'the credential id (cred_...)'), {
    summary: 'Revoke an operator credential: refused at once, everywhere within 5 s; never the last active one (create another first)',
    examples: ['exumctl operator-credential revoke cred_3kq1...'],
  }).action(
    run(async (context, [id]) =>
      printWriteAnswer(
        context,
        await context.client.delete(`/v1/operator-credentials/${encodeURIComponent(id!)}`, { query: writeQuery(context) }),
        `revoked operator credential ${id}`,
      ),
    ),
  );
  describe(
    group
      .command('bootstrap')
      .requiredOption('--table <name>', "the service's DynamoDB table (the stateful stack's TableName output)")
      .option('--region <region>', 'its AWS region (default: $AWS_REGION, then $AWS_DEFAULT_REGION)')
      .option('--endpoint <url>', 'a DynamoDB Local URL instead of AWS (to try it locally)')
      .option('--name <name>', 'the credential’s name (default "bootstrap operator")')
      .option('--replace', 'revoke the previous bootstrap credential for the new one'),
    {
      summary:
        'Create the first operator credential of a deployment, with your AWS credentials (IAM: the usual AWS_PROFILE, AWS_ACCESS_KEY_ID, ...) straight into the table; its token is printed this once. Refused when one was bootstrapped already, unless --replace (which revokes it)',
      examples: [
        'exumctl operator-credential bootstrap --table ExumStateful-Table1234 --region eu-west-1',
        'exumctl operator-credential bootstrap --table ExumStateful-Table1234 --region eu-west-1 --replace',
      ],
    },
  ).action(async (options: { table: string; region?: string; endpoint?: string; name?: string; replace?: boolean }, command: Command) => {
    const printer = consolePrinter(
      (command.optsWithGlobals<{ output?: string }>().output ?? process.env.EXUM_OUTPUT) === 'json' ? 'json' : 'table',
    );
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (region === undefined && options.endpoint === undefined) {
      throw usageError('no AWS region: give --region, or set AWS_REGION (the region of the stateful stack)');
    }
    // Loaded here only: the other commands never carry the DynamoDB client.
    const { bootstrapOperatorInTable } = await import('../bootstrap-operator.js');
    const outcome = await bootstrapOperatorInTable({
      table: options.table,
      replace: options.replace === true,
      ...(region === undefined ? {} : { region }),
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.name === undefined ? {} : { name: options.name }),
    });
    printRecord(printer, { id: outcome.credentialId, revoked: outcome.revoked, token: outcome.token });
    if (printer.mode === 'table') {
      printer.err(
        `bootstrapped operator credential ${outcome.credentialId}: keep its token now, it is not shown again${outcome.revoked.length === 0 ? '' : `; revoked ${outcome.revoked.join(', ')}`}`,
      );
    }
  });
}
