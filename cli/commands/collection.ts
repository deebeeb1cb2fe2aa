// The verbs of a tenant's configuration collections (hosting providers, voicemail policies, dial
// plans, rerouting): get (one or all), new, set, remove, each mapped onto the API's five routes.
import type { Command } from 'commander';
import { printWriteAnswer, run, writeQuery } from '../context.js';
import { addFieldOptions, bodyFromOptions, type FieldOption, type FieldValues } from '../fields.js';
import { describe } from '../help.js';
import { printList, printRecord, type Column } from '../output.js';

export interface CollectionSpec<T> {
  /** The command's noun, e.g. "provider". */
  name: string;
  aliases?: string[];
  /** What the object is, e.g. "hosting provider". */
  label: string;
  /** The group's line in exumctl --help. */
  groupDescription: string;
  /** The API collection under the tenant, e.g. "hosting-providers". */
  path: string;
  /** The Lync noun of the cmdlets, e.g. "CsHostingProvider". */
  lyncNoun: string;
  fields: readonly FieldOption[];
  /** The list's columns, over the objects the API answers. */
  columns: readonly Column<T>[];
  examples: { new: string; set: string; get: string; remove: string };
}

export function addCollectionCommands<T>(program: Command, spec: CollectionSpec<T>): Command {
  const group = program.command(spec.name).description(spec.groupDescription);
  for (const alias of spec.aliases ?? []) group.alias(alias);

  describe(group.command('get').argument('[id]', `the ${spec.label}; all when absent`), {
    summary: `Show a ${spec.label}, or list them all`,
    lync: `Get-${spec.lyncNoun}`,
    examples: [spec.examples.get],
  }).action(
    run(async (context, [id]) => {
      if (id === undefined)
        printList(context.printer, await context.client.list<T>(context.tenantPath(spec.path)), spec.columns, `no ${spec.label}s`);
      else printRecord(context.printer, (await context.client.get<object>(context.tenantPath(spec.path, id))).body);
    }),
  );

  addFieldOptions(
    describe(group.command('new').argument('<id>', `the ${spec.label}'s id`), {
      summary: `Create a ${spec.label}`,
      lync: `New-${spec.lyncNoun}`,
      examples: [spec.examples.new],
    }),
    spec.fields,
  ).action(
    run<FieldValues>(async (context, [id], options) => {
      const answer = await context.client.post(
        context.tenantPath(spec.path),
        { id, ...bodyFromOptions(options, spec.fields) },
        { query: writeQuery(context) },
      );
      printWriteAnswer(context, answer, `created ${spec.label} ${id}`);
    }),
  );

  addFieldOptions(
    describe(group.command('set').argument('<id>', `the ${spec.label}`), {
      summary: `Change a ${spec.label}: only the options given change`,
      lync: `Set-${spec.lyncNoun}`,
      examples: [spec.examples.set],
    }),
    spec.fields.filter((field) => field.field !== 'id'),
  ).action(
    run<FieldValues>(async (context, [id], options) => {
      const answer = await context.client.patch(context.tenantPath(spec.path, id!), bodyFromOptions(options, spec.fields), {
        query: writeQuery(context),
      });
      printWriteAnswer(context, answer, `changed ${spec.label} ${id}`);
    }),
  );

  describe(group.command('remove').argument('<id>', `the ${spec.label}`), {
    summary: `Delete a ${spec.label}`,
    lync: `Remove-${spec.lyncNoun}`,
    examples: [spec.examples.remove],
  }).action(
    run(async (context, [id]) => {
      const answer = await context.client.delete(context.tenantPath(spec.path, id!), { query: writeQuery(context) });
      printWriteAnswer(context, answer, `removed ${spec.label} ${id}`);
    }),
  );
  return group;
}
