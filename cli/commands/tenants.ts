// Tenants and credentials, as an operator manages them. Tokens are shown once, when created.
import type { Command } from 'commander';
import type { Credential } from '../../lib/domain/credential.js';
import type { Tenant } from '../../lib/domain/tenant.js';
import type { TenantSummary } from '../../lib/domain/tenant-summary.js';
import { printWriteAnswer, run, writeQuery } from '../context.js';
import { omit } from '../../lib/omit.js';
import { describe } from '../help.js';
import { printList, printRecord } from '../output.js';
import { collect } from '../values.js';

/** A credential as the API lists it: never its token. */
type CredentialAnswer = Credential & { revokedAt: string | null };

export function addTenantCommands(program: Command): void {
  const tenant = program.command('tenant').description('tenants: one enterprise and its SIP domains (operators)');
  describe(
    tenant
      .command('new')
      .argument('<id>', 'the tenant id: 3 to 63 lower-case letters, digits or "-"')
      .requiredOption('--name <name>', 'display name')
      .requiredOption('--domain <fqdn...>', 'its SIP domains (repeat, or comma-separated)', collect),
    {
      summary: 'Create a tenant with its SIP domains, a default edge and the global policy',
      examples: ['exumctl tenant new fabrikam --name "Fabrikam Inc" --domain fabrikam.com,fabrikam.net'],
    },
  ).action(
    run<{ name: string; domain: string[] }>(async (context, [id], options) => {
      const answer = await context.client.post(
        '/v1/tenants',
        { id, name: options.name, domains: options.domain },
        { query: writeQuery(context) },
      );
      printWriteAnswer(context, answer, `created tenant ${id}`);
    }),
  );
  describe(tenant.command('get').argument('[id]', 'a tenant; all tenants (operators) when absent and no --tenant is set'), {
    summary: 'Show a tenant with its summary (its mode and the counts behind it), or list all tenants',
    examples: ['exumctl tenant get contoso', 'exumctl tenant get -o json'],
  }).action(
    run(async (context, [id]) => {
      const wanted = id ?? context.settings.tenant;
      if (wanted !== undefined) {
        // Beside the tenant, its summary: the mode it is in and the counts behind it.
        const path = `/v1/tenants/${encodeURIComponent(wanted)}`;
        const tenantRecord = (await context.client.get<Tenant>(path)).body;
        const summary = omit((await context.client.get<TenantSummary>(`${path}/summary`)).body, 'tenantId');
        return printRecord(context.printer, { ...tenantRecord, summary });
      }
      printList(
        context.printer,
        await context.client.list<Tenant>('/v1/tenants'),
        [
          { header: 'ID', value: (t) => t.id },
          { header: 'NAME', value: (t) => t.name },
          { header: 'DOMAINS', value: (t) => t.domains },
        ],
        'no tenants',
      );
    }),
  );

  describe(
    tenant
      .command('rename')
      .argument('[id]', 'the tenant; --tenant when absent')
      .requiredOption('--name <name>', 'the new display name (the id never changes)'),
    {
      summary: 'Rename a tenant: its display name; the id, in every path, stays',
      examples: ['exumctl tenant rename fabrikam --name "Fabrikam Ltd"', 'exumctl --dry-run tenant rename fabrikam --name "Fabrikam Ltd"'],
    },
  ).action(
    run<{ name: string }>(async (context, [id], options) => {
      const path = id === undefined ? context.tenantPath() : `/v1/tenants/${encodeURIComponent(id)}`;
      const answer = await context.client.patch(path, { name: options.name }, { query: writeQuery(context) });
      printWriteAnswer(context, answer, `renamed tenant ${id ?? context.settings.tenant ?? ''}`);
    }),
  );
  describe(tenant.command('offboard').argument('<id>', 'the tenant to remove'), {
    summary:
      'Offboard a tenant: its credentials refused at once, every item removed (sent again until done), its domains freed; its audit kept until its TTL. Try --dry-run first: it counts what would go',
    examples: ['exumctl --dry-run tenant offboard fabrikam', 'exumctl tenant offboard fabrikam'],
  }).action(
    run(async (context, [id]) => {
      const path = `/v1/tenants/${encodeURIComponent(id!)}`;
      let answer = await context.client.delete<{ state: string; removed: Record<string, number> }>(path, { query: writeQuery(context) });
      // 202: items remain; each request removes what it can in its time, the next continues.
      while (answer.status === 202) answer = await context.client.delete(path);
      printRecord(context.printer, answer.body);
    }),
  );
  const domain = tenant.command('domain').description("a tenant's SIP domains: add one, or remove one no user or contact uses (operators)");
  describe(domain.command('add').argument('<fqdn>', 'the SIP domain; refused when another tenant owns it'), {
    summary: 'Add a SIP domain to the tenant (--tenant)',
    examples: ['exumctl --tenant contoso tenant domain add contoso.net'],
  }).action(
    run(async (context, [fqdn]) => {
      const answer = await context.client.post(context.tenantPath('domains'), { domain: fqdn }, { query: writeQuery(context) });
      printWriteAnswer(context, answer, `added ${fqdn}`);
    }),
  );
  describe(domain.command('remove').argument('<fqdn>', 'the SIP domain'), {
    summary:
      'Remove a SIP domain from the tenant (--tenant) and free it for others; refused, naming them, while users or contacts have an address in it',
    examples: [
      'exumctl --tenant contoso --dry-run tenant domain remove contoso.net',
      'exumctl --tenant contoso tenant domain remove contoso.net',
    ],
  }).action(
    run(async (context, [fqdn]) => {
      const answer = await context.client.delete(context.tenantPath('domains', fqdn!), { query: writeQuery(context) });
      printWriteAnswer(context, answer, `removed ${fqdn}`);
    }),
  );

  const credential = program.command('credential').description("a tenant's credentials: bearer tokens with one role each (operators)");
  describe(
    credential
      .command('new')
      .requiredOption('--role <role>', 'server-admin | user-admin | reader | gateway | provider')
      .requiredOption('--name <name>', 'what it is for, e.g. "gateway gw01"')
      .option('--provider <id>', 'for a provider credential: its hosting provider'),
    {
      summary: 'Create a credential; its token is printed this once',
      examples: [
        'exumctl credential new --role gateway --name "gw01.contoso.com"',
        'exumctl credential new --role provider --provider exo --name "Exchange Online"',
      ],
    },
  ).action(
    run<{ role: string; name: string; provider?: string }>(async (context, _args, options) => {
      const body = { role: options.role, name: options.name, ...(options.provider === undefined ? {} : { providerId: options.provider }) };
      const answer = await context.client.post(context.tenantPath('credentials'), body, { query: writeQuery(context) });
      printWriteAnswer(context, answer, 'created the credential: keep its token now, it is not shown again');
    }),
  );
  describe(credential.command('get'), {
    summary: "List the tenant's credentials (never their tokens)",
    examples: ['exumctl credential get'],
  }).action(
    run(async (context) =>
      printList(
        context.printer,
        await context.client.list<CredentialAnswer>(context.tenantPath('credentials')),
        [
          { header: 'ID', value: (c) => c.id },
          { header: 'ROLE', value: (c) => c.role },
          { header: 'NAME', value: (c) => c.name },
          { header: 'PROVIDER', value: (c) => c.providerId },
          { header: 'CREATED', value: (c) => c.createdAt },
          { header: 'REVOKED', value: (c) => c.revokedAt },
        ],
        'no credentials',
      ),
    ),
  );
  describe(credential.command('revoke').argument('<id>', 'the credential id (cred_...)'), {
    summary: 'Revoke a credential: refused at once by the instance that revoked it, within 5 s everywhere',
    examples: ['exumctl credential revoke cred_3kq1...'],
  }).action(
    run(async (context, [id]) =>
      printWriteAnswer(
        context,
        await context.client.delete(context.tenantPath('credentials', id!), { query: writeQuery(context) }),
        `revoked credential ${id}`,
      ),
    ),
  );
}
