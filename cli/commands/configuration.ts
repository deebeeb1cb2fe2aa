// The tenant's routing configuration, as a server admin manages it: the edge, hosting providers
// (with enable/disable), hosted voicemail policies (with grant/revoke), dial plans and rerouting.
import type { Command } from 'commander';
import type { DialPlan } from '../../lib/domain/dial-plan.js';
import type { Edge } from '../../lib/domain/edge.js';
import type { GatewaySettings } from '../../lib/domain/gateway-settings.js';
import type { publicHostingProvider } from '../../lib/domain/hosting-provider.js';
import type { Rerouting } from '../../lib/domain/rerouting.js';
import type { VoicemailPolicy } from '../../lib/domain/voicemail-policy.js';
import { printWriteAnswer, run, writeQuery, type Context } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import { addFieldOptions, bodyFromOptions, type FieldOption, type FieldValues } from '../fields.js';
import { describe } from '../help.js';
import { printRecord } from '../output.js';
import { collect, collectUmServers, formatUmServer, nullable, parseBool } from '../values.js';
import { addCollectionCommands } from './collection.js';

/** A hosting provider as the API shows it (the signing secret never leaves the service). */
type HostingProviderAnswer = ReturnType<typeof publicHostingProvider>;

const providerFields: FieldOption[] = [
  { flags: '--proxy-fqdn <fqdn>', field: 'proxyFqdn', description: "the provider's SIP proxy (immutable once created)" },
  { flags: '--enabled <bool>', field: 'enabled', description: 'serve calls (default false)', parse: parseBool },
  {
    flags: '--shared-address-space <bool>',
    field: 'sharedAddressSpace',
    description: 'the provider shares the SIP domain (default false)',
    parse: parseBool,
  },
  { flags: '--hosts-users <bool>', field: 'hostsUsers', description: "Lync's HostsOCSUsers (default false)", parse: parseBool },
  { flags: '--is-local <bool>', field: 'isLocal', description: 'default false', parse: parseBool },
  {
    flags: '--verification-level <level>',
    field: 'verificationLevel',
    description: 'always-verifiable | always-unverifiable | use-source-verification',
  },
  {
    flags: '--event-url <url>',
    field: 'eventEndpoint.url',
    description: 'HTTPS endpoint for migration and contact events (with --event-secret)',
  },
  {
    flags: '--event-secret <secret>',
    field: 'eventEndpoint.secret',
    description: 'signing secret of the events, 24+ characters (write-only)',
  },
];

const policyFields: FieldOption[] = [
  { flags: '--destination <fqdn>', field: 'destination', description: 'FQDN of the hosted UM service (null clears)', parse: nullable },
  {
    flags: '--organization <fqdn...>',
    field: 'organizations',
    description: "the tenant's FQDNs at the provider (repeat, or comma-separated)",
    parse: collect,
  },
  { flags: '--description <text>', field: 'description', description: 'free text' },
];

const dialPlanFields: FieldOption[] = [
  { flags: '--uri-type <type>', field: 'uriType', description: 'sip-name | e164 | tel-extension' },
  { flags: '--voip-security <level>', field: 'voipSecurity', description: 'secured | sip-secured | unsecured' },
  {
    flags: '--um-server <server...>',
    field: 'servers',
    description: 'UM server FQDN[:PORT][/TRANSPORT]@VERSION (repeat; replaces the list)',
    parse: collectUmServers,
  },
];

const reroutingFields: FieldOption[] = [
  { flags: '--enabled <bool>', field: 'enabled', description: 'offer the numbers as last alternates (default false)', parse: parseBool },
  {
    flags: '--auto-attendant-number <e164>',
    field: 'autoAttendantNumber',
    description: 'for diverted and auto attendant calls (null clears)',
    parse: nullable,
  },
  {
    flags: '--subscriber-access-number <e164>',
    field: 'subscriberAccessNumber',
    description: 'for subscriber access calls (null clears)',
    parse: nullable,
  },
];

const edgeFields: FieldOption[] = [
  { flags: '--routing-mode <mode>', field: 'routingMode', description: 'dns-srv | default-route' },
  {
    flags: '--allow-federated-users <bool>',
    field: 'allowFederatedUsers',
    description: 'federation (hosting providers need it)',
    parse: parseBool,
  },
  { flags: '--next-hop <uri>', field: 'nextHop', description: "SIP URI of the edge's internal interface (null clears)", parse: nullable },
];

const gatewaySettingsFields: FieldOption[] = [
  {
    flags: '--stale-if-error <seconds>',
    field: 'staleIfErrorSeconds',
    description: 'how long a gateway may serve its last good answer while the service cannot answer: 0 (off) to 604800 (7 days)',
    // A whole number is sent as one; anything else as given, for the service to refuse naming the field.
    parse: (value: string) => (/^[0-9]+$/.test(value.trim()) ? Number(value) : value),
  },
];

/** The principal a SIP address names: a user, else a contact. */
async function principalPath(context: Context, sipUri: string): Promise<string> {
  for (const collection of ['users', 'contacts']) {
    try {
      await context.client.get(context.tenantPath(collection, sipUri));
      return context.tenantPath(collection, sipUri);
    } catch (error) {
      if (!(error instanceof CliError) || error.exitCode !== EXIT.notFound) throw error;
    }
  }
  throw new CliError(`no user or contact ${sipUri}`, EXIT.notFound);
}

export function addConfigurationCommands(program: Command): void {
  const edge = program.command('edge').description('the edge configuration (Lync: *-CsAccessEdgeConfiguration)');
  describe(edge.command('get'), {
    summary: 'Show the edge configuration',
    lync: 'Get-CsAccessEdgeConfiguration',
    examples: ['exumctl edge get'],
  }).action(run(async (context) => printRecord(context.printer, (await context.client.get<Edge>(context.tenantPath('edge'))).body)));
  addFieldOptions(
    describe(edge.command('set'), {
      summary: 'Change the edge configuration: only the options given change',
      lync: 'Set-CsAccessEdgeConfiguration',
      examples: ['exumctl edge set --routing-mode dns-srv --allow-federated-users true --next-hop sip:edge-int.contoso.com:5061'],
    }),
    edgeFields,
  ).action(
    run<FieldValues>(async (context, _args, options) => {
      const current = await context.client.get<Edge>(context.tenantPath('edge'));
      const { routingMode, allowFederatedUsers, nextHop } = current.body;
      const body = { routingMode, allowFederatedUsers, nextHop, ...bodyFromOptions(options, edgeFields) };
      // The edge is replaced whole: If-Match keeps a concurrent change from being overwritten.
      const answer = await context.client.put(context.tenantPath('edge'), body, {
        query: writeQuery(context),
        ...(current.version === undefined ? {} : { ifMatch: current.version }),
      });
      printWriteAnswer(context, answer, 'changed the edge configuration');
    }),
  );

  const gatewaySettings = program
    .command('gateway-settings')
    .description("how the tenant's gateways may reuse resolve answers (stale-if-error; docs/gateways.md)");
  describe(gatewaySettings.command('get'), {
    summary: 'Show the gateway settings (never set: the defaults, version 0)',
    examples: ['exumctl gateway-settings get'],
  }).action(
    run(async (context) =>
      printRecord(context.printer, (await context.client.get<GatewaySettings>(context.tenantPath('gateway-settings'))).body),
    ),
  );
  addFieldOptions(
    describe(gatewaySettings.command('set'), {
      summary: 'Change the gateway settings: only the options given change',
      examples: ['exumctl gateway-settings set --stale-if-error 86400', 'exumctl gateway-settings set --stale-if-error 0'],
    }),
    gatewaySettingsFields,
  ).action(
    run<FieldValues>(async (context, _args, options) => {
      const current = await context.client.get<GatewaySettings>(context.tenantPath('gateway-settings'));
      const body = { staleIfErrorSeconds: current.body.staleIfErrorSeconds, ...bodyFromOptions(options, gatewaySettingsFields) };
      // Replaced whole: If-Match ("0" while never set) keeps a concurrent change from being overwritten.
      const answer = await context.client.put(context.tenantPath('gateway-settings'), body, {
        query: writeQuery(context),
        ...(current.version === undefined ? {} : { ifMatch: current.version }),
      });
      printWriteAnswer(context, answer, 'changed the gateway settings');
    }),
  );

  const provider = addCollectionCommands<HostingProviderAnswer>(program, {
    name: 'provider',
    aliases: ['hosting-provider'],
    label: 'hosting provider',
    groupDescription: 'hosting providers (Lync: *-CsHostingProvider)',
    path: 'hosting-providers',
    lyncNoun: 'CsHostingProvider',
    fields: providerFields,
    columns: [
      { header: 'ID', value: (p) => p.id },
      { header: 'PROXY FQDN', value: (p) => p.proxyFqdn },
      { header: 'ENABLED', value: (p) => p.enabled },
      { header: 'SHARED ADDRESS SPACE', value: (p) => p.sharedAddressSpace },
      { header: 'HOSTS USERS', value: (p) => p.hostsUsers },
      { header: 'EVENTS', value: (p) => p.eventEndpoint?.url },
    ],
    examples: {
      new: 'exumctl provider new exo --proxy-fqdn exap.um.outlook.com --enabled true --shared-address-space true',
      set: 'exumctl provider set exo --event-url https://events.example.net/exum --event-secret "$EXO_EVENT_SECRET"',
      get: 'exumctl provider get exo',
      remove: 'exumctl provider remove exo',
    },
  });
  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    describe(provider.command(verb).argument('<id>', 'the hosting provider'), {
      summary: `${verb === 'enable' ? 'Enable' : 'Disable'} a hosting provider`,
      lync: `Set-CsHostingProvider -Enabled $${enabled}`,
      examples: [`exumctl provider ${verb} exo`],
    }).action(
      run(async (context, [id]) => {
        const answer = await context.client.patch(
          context.tenantPath('hosting-providers', id!),
          { enabled },
          { query: writeQuery(context) },
        );
        printWriteAnswer(context, answer, `${verb}d hosting provider ${id}`);
      }),
    );
  }

  const policy = addCollectionCommands<VoicemailPolicy>(program, {
    name: 'policy',
    aliases: ['voicemail-policy'],
    label: 'hosted voicemail policy',
    groupDescription: 'hosted voicemail policies: global, site: and tag: (Lync: *-CsHostedVoicemailPolicy)',
    path: 'voicemail-policies',
    lyncNoun: 'CsHostedVoicemailPolicy',
    fields: policyFields,
    columns: [
      { header: 'ID', value: (p) => p.id },
      { header: 'DESTINATION', value: (p) => p.destination },
      { header: 'ORGANIZATIONS', value: (p) => p.organizations },
      { header: 'DESCRIPTION', value: (p) => p.description },
    ],
    examples: {
      new: 'exumctl policy new tag:ExOnline --destination exap.um.outlook.com --organization contoso.onmicrosoft.com',
      set: 'exumctl policy set global --destination exap.um.outlook.com',
      get: 'exumctl policy get site:Redmond',
      remove: 'exumctl policy remove tag:ExOnline',
    },
  });
  describe(
    policy.command('grant').argument('<sipUri>', 'a user or contact').argument('<tag>', 'the policy tag (ExOnline or tag:ExOnline)'),
    {
      summary: 'Grant a tag policy to a user or contact',
      lync: 'Grant-CsHostedVoicemailPolicy -Identity <sipUri> -PolicyName <tag>',
      examples: ['exumctl policy grant sip:alice@contoso.com ExOnline'],
    },
  ).action(
    run(async (context, [sipUri, tag]) => {
      const answer = await context.client.patch(
        await principalPath(context, sipUri!),
        { hostedVoicemailPolicy: tag },
        { query: writeQuery(context) },
      );
      printWriteAnswer(context, answer, `granted ${tag} to ${sipUri}`);
    }),
  );
  describe(policy.command('revoke').argument('<sipUri>', 'a user or contact'), {
    summary: 'Revoke the tag policy of a user or contact: its site or global policy applies again',
    lync: 'Grant-CsHostedVoicemailPolicy -Identity <sipUri> -PolicyName $null',
    examples: ['exumctl policy revoke sip:alice@contoso.com'],
  }).action(
    run(async (context, [sipUri]) => {
      const answer = await context.client.patch(
        await principalPath(context, sipUri!),
        { hostedVoicemailPolicy: null },
        { query: writeQuery(context) },
      );
      printWriteAnswer(context, answer, `revoked the tag policy of ${sipUri}`);
    }),
  );

  addCollectionCommands<DialPlan>(program, {
    name: 'dial-plan',
    label: 'on-premises UM dial plan',
    groupDescription: 'on-premises Exchange UM dial plans and their servers (what exchucutil.ps1 gives Lync)',
    path: 'dial-plans',
    lyncNoun: 'UMDialPlan',
    fields: dialPlanFields,
    columns: [
      { header: 'ID', value: (d) => d.id },
      { header: 'URI TYPE', value: (d) => d.uriType },
      { header: 'SECURITY', value: (d) => d.voipSecurity },
      { header: 'SERVERS', value: (d) => d.servers.map(formatUmServer) },
    ],
    examples: {
      new: 'exumctl dial-plan new dp.contoso.com --uri-type sip-name --voip-security secured --um-server um01.contoso.com@15 --um-server um02.contoso.com:5061/tls@15',
      set: 'exumctl dial-plan set dp.contoso.com --um-server um01.contoso.com@15,um03.contoso.com@15',
      get: 'exumctl dial-plan get',
      remove: 'exumctl dial-plan remove dp.contoso.com',
    },
  });

  addCollectionCommands<Rerouting>(program, {
    name: 'rerouting',
    label: 'voicemail rerouting configuration',
    groupDescription: 'voicemail rerouting: PSTN numbers as last alternates (Lync: *-CsVoicemailReroutingConfiguration)',
    path: 'rerouting',
    lyncNoun: 'CsVoicemailReroutingConfiguration',
    fields: reroutingFields,
    columns: [
      { header: 'ID', value: (r) => r.id },
      { header: 'ENABLED', value: (r) => r.enabled },
      { header: 'AUTO ATTENDANT', value: (r) => r.autoAttendantNumber },
      { header: 'SUBSCRIBER ACCESS', value: (r) => r.subscriberAccessNumber },
    ],
    examples: {
      new: 'exumctl rerouting new global --enabled true --auto-attendant-number +14255550000 --subscriber-access-number +14255550001',
      set: 'exumctl rerouting set site:Redmond --enabled false',
      get: 'exumctl rerouting get',
      remove: 'exumctl rerouting remove site:Redmond',
    },
  });
}
