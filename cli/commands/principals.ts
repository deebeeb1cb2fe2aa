// Users and Exchange UM contacts, as a user admin manages them: Set-CsUser's hosted voicemail
// flag, Get-CsUser with filters, and the *-CsExUmContact verbs including Move.
import type { Command } from 'commander';
import type { Contact } from '../../lib/domain/contact.js';
import type { User } from '../../lib/domain/user.js';
import { printWriteAnswer, run, writeQuery } from '../context.js';
import { addFieldOptions, bodyFromOptions, type FieldOption, type FieldValues } from '../fields.js';
import { describe } from '../help.js';
import { printList, printRecord, type Column } from '../output.js';
import { nullable, parseBool, parseTristate } from '../values.js';

const userFields: FieldOption[] = [
  { flags: '--display-name <name>', field: 'displayName', description: 'null clears', parse: nullable },
  { flags: '--line-uri <tel>', field: 'lineUri', description: 'tel:+E164[;ext=N] (null clears)', parse: nullable },
  { flags: '--enabled <bool>', field: 'enabled', description: 'enabled for SIP', parse: parseBool },
  { flags: '--enterprise-voice-enabled <bool>', field: 'enterpriseVoiceEnabled', description: 'Enterprise Voice', parse: parseBool },
  { flags: '--site <site>', field: 'site', description: "the site of the user's pool (null clears)", parse: nullable },
  { flags: '--registrar-pool <fqdn>', field: 'registrarPool', description: 'null clears', parse: nullable },
  {
    flags: '--hosted-voicemail <true|false|null>',
    field: 'hostedVoicemail.admin',
    description: "the admin's hosted voicemail flag; null leaves it to the provider",
    parse: parseTristate,
  },
  {
    flags: '--hosted-voicemail-policy <tag>',
    field: 'hostedVoicemailPolicy',
    description: 'grant a tag policy (null revokes)',
    parse: nullable,
  },
  { flags: '--um-enabled <bool>', field: 'onPremisesUm.enabled', description: 'enabled for on-premises Exchange UM', parse: parseBool },
  {
    flags: '--um-dial-plan <fqdn>',
    field: 'onPremisesUm.dialPlan',
    description: 'the on-premises UM dial plan (null clears)',
    parse: nullable,
  },
];

const contactFields: FieldOption[] = [
  {
    flags: '--display-number <number>',
    field: 'displayNumber',
    description: 'the number callers dial: digits, optional leading + (null clears)',
    parse: nullable,
  },
  { flags: '--kind <kind>', field: 'kind', description: 'subscriber-access (default) | auto-attendant' },
  { flags: '--enabled <bool>', field: 'enabled', description: 'default true', parse: parseBool },
  { flags: '--enterprise-voice-enabled <bool>', field: 'enterpriseVoiceEnabled', description: 'default true', parse: parseBool },
  { flags: '--site <site>', field: 'site', description: "the site of the contact's registrar pool (null clears)", parse: nullable },
  { flags: '--registrar-pool <fqdn>', field: 'registrarPool', description: 'null clears', parse: nullable },
  { flags: '--ou <dn>', field: 'ou', description: 'the organizational unit (null clears)', parse: nullable },
  { flags: '--description <text>', field: 'description', description: 'free text' },
  {
    flags: '--hosted-voicemail-policy <tag>',
    field: 'hostedVoicemailPolicy',
    description: 'grant a tag policy (null revokes)',
    parse: nullable,
  },
  {
    flags: '--dial-plan <fqdn>',
    field: 'onPremisesDialPlan',
    description: 'on-premises contact of this UM dial plan; null makes it hosted',
    parse: nullable,
  },
];

const hostedVoicemail = (user: Pick<User, 'hostedVoicemail'>) => {
  const { admin, provider } = user.hostedVoicemail;
  const effective = admin ?? provider ?? false;
  return `${effective}${admin !== null ? ' (admin)' : provider !== null ? ' (provider)' : ''}`;
};

const userColumns: Column<User>[] = [
  { header: 'SIP ADDRESS', value: (u) => u.sipUri },
  { header: 'LINE URI', value: (u) => u.lineUri },
  { header: 'ENABLED', value: (u) => u.enabled },
  { header: 'EV', value: (u) => u.enterpriseVoiceEnabled },
  { header: 'SITE', value: (u) => u.site },
  { header: 'POLICY', value: (u) => u.hostedVoicemailPolicy },
  { header: 'HOSTED VOICEMAIL', value: hostedVoicemail },
  { header: 'ON-PREM UM', value: (u) => (u.onPremisesUm.enabled ? (u.onPremisesUm.dialPlan ?? 'enabled') : null) },
];

const contactColumns: Column<Contact>[] = [
  { header: 'SIP ADDRESS', value: (c) => c.sipUri },
  { header: 'NUMBER', value: (c) => c.displayNumber },
  { header: 'KIND', value: (c) => c.kind },
  { header: 'ENABLED', value: (c) => c.enabled },
  { header: 'POOL', value: (c) => c.registrarPool },
  { header: 'VOICEMAIL', value: (c) => (c.onPremisesDialPlan === null ? 'hosted' : `on-premises (${c.onPremisesDialPlan})`) },
  { header: 'POLICY', value: (c) => c.hostedVoicemailPolicy },
];

/** The API's query booleans are the words true and false. */
const queryBool = (value: string) => String(parseBool(value));

const listFilters: FieldOption[] = [
  { flags: '--filter-site <site>', field: 'site', description: 'only this site' },
  { flags: '--filter-enabled <bool>', field: 'enabled', description: 'only enabled (true) or disabled (false)', parse: queryBool },
  {
    flags: '--filter-enterprise-voice-enabled <bool>',
    field: 'enterpriseVoiceEnabled',
    description: 'only with (true) or without (false) Enterprise Voice',
    parse: queryBool,
  },
  { flags: '--filter-line-uri <tel>', field: 'lineUri', description: 'a line URI, or a prefix ending in * (tel:+1425*)' },
  { flags: '--filter-policy <tag>', field: 'hostedVoicemailPolicy', description: 'only those granted this tag' },
  { flags: '--filter-registrar-pool <fqdn>', field: 'registrarPool', description: 'only this pool' },
];

function addPrincipalCommands(program: Command, type: 'user' | 'contact'): Command {
  const collection = `${type}s`;
  const fields = type === 'user' ? userFields : contactFields;
  const lyncNoun = type === 'user' ? 'CsUser' : 'CsExUmContact';
  const group = program
    .command(type)
    .description(
      type === 'user'
        ? 'users (Lync: Get-/Set-CsUser)'
        : 'Exchange UM contacts: Subscriber Access and Auto Attendant (Lync: *-CsExUmContact)',
    );

  const filters =
    type === 'user'
      ? listFilters
      : [...listFilters, { flags: '--filter-kind <kind>', field: 'kind', description: 'subscriber-access | auto-attendant' }];
  const get = describe(group.command('get').argument('[sipUri]', `the ${type}; all (filtered) when absent`), {
    summary: `Show a ${type}, or list ${collection} matching the filters (combined with AND)`,
    lync: `Get-${lyncNoun} [-Filter ...]`,
    examples:
      type === 'user'
        ? ['exumctl user get sip:alice@contoso.com', "exumctl user get --filter-site Redmond --filter-line-uri 'tel:+1425*' -o json"]
        : ['exumctl contact get', 'exumctl contact get sip:exum-sa@contoso.com'],
  });
  addFieldOptions(get, filters).action(
    run<FieldValues>(async (context, [sipUri], options) => {
      if (sipUri !== undefined)
        return printRecord(context.printer, (await context.client.get<object>(context.tenantPath(collection, sipUri))).body);
      // The filters are flat and their parsers answer strings: the query is the body of their values.
      const query = bodyFromOptions(options, filters) as Record<string, string>;
      const path = context.tenantPath(collection);
      if (type === 'user') printList(context.printer, await context.client.list<User>(path, query), userColumns, 'no users');
      else printList(context.printer, await context.client.list<Contact>(path, query), contactColumns, 'no contacts');
    }),
  );

  addFieldOptions(
    describe(group.command('new').argument('<sipUri>', `the ${type}'s SIP address`), {
      summary: `Create a ${type}`,
      lync: type === 'user' ? 'Enable-CsUser' : 'New-CsExUmContact',
      examples:
        type === 'user'
          ? [
              'exumctl user new sip:dave@contoso.com --line-uri tel:+14255551004 --enterprise-voice-enabled true --um-enabled true --um-dial-plan dp.contoso.com',
            ]
          : [
              'exumctl contact new sip:exum-sa2@contoso.com --display-number +14255550101 --kind subscriber-access --hosted-voicemail-policy ExOnline',
            ],
    }),
    fields,
  ).action(
    run<FieldValues>(async (context, [sipUri], options) => {
      const answer = await context.client.post(
        context.tenantPath(collection),
        { sipUri, ...bodyFromOptions(options, fields) },
        { query: writeQuery(context) },
      );
      printWriteAnswer(context, answer, `created ${type} ${sipUri}`);
    }),
  );

  const setFields = [...fields, { flags: '--sip-uri <sipUri>', field: 'sipUri', description: 'a new SIP address' }];
  addFieldOptions(
    describe(group.command('set').argument('<sipUri>', `the ${type}`), {
      summary: `Change a ${type}: only the options given change`,
      lync: `Set-${lyncNoun}`,
      examples:
        type === 'user'
          ? [
              'exumctl user set sip:alice@contoso.com --hosted-voicemail true',
              'exumctl user set sip:bob@contoso.com --hosted-voicemail null',
            ]
          : ['exumctl contact set sip:exum-aa@contoso.com --dial-plan null --hosted-voicemail-policy ExOnline'],
    }),
    setFields,
  ).action(
    run<FieldValues>(async (context, [sipUri], options) => {
      const body = bodyFromOptions(options, setFields);
      const answer = await context.client.patch(context.tenantPath(collection, sipUri!), body, { query: writeQuery(context) });
      printWriteAnswer(context, answer, `changed ${type} ${sipUri}`);
    }),
  );

  describe(group.command('remove').argument('<sipUri>', `the ${type}`), {
    summary: `Delete a ${type}`,
    lync: type === 'user' ? 'Disable-CsUser' : 'Remove-CsExUmContact',
    examples: [`exumctl ${type} remove sip:${type === 'user' ? 'dave' : 'exum-sa2'}@contoso.com`],
  }).action(
    run(async (context, [sipUri]) => {
      const answer = await context.client.delete(context.tenantPath(collection, sipUri!), { query: writeQuery(context) });
      printWriteAnswer(context, answer, `removed ${type} ${sipUri}`);
    }),
  );
  return group;
}

export function addPrincipalCommandGroups(program: Command): void {
  addPrincipalCommands(program, 'user');
  const contact = addPrincipalCommands(program, 'contact');
  describe(
    contact.command('move').argument('<sipUri>', 'the contact').requiredOption('--target-pool <fqdn>', 'the registrar pool it moves to'),
    {
      summary: 'Move a contact to another registrar pool',
      lync: 'Move-CsExUmContact -Identity <sipUri> -Target <pool>',
      examples: ['exumctl contact move sip:exum-sa@contoso.com --target-pool pool02.contoso.com'],
    },
  ).action(
    run<{ targetPool: string }>(async (context, [sipUri], options) => {
      const answer = await context.client.patch(
        context.tenantPath('contacts', sipUri!),
        { registrarPool: options.targetPool },
        { query: writeQuery(context) },
      );
      printWriteAnswer(context, answer, `moved contact ${sipUri} to ${options.targetPool}`);
    }),
  );
}
