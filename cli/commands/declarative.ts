// Declarative configuration: `exumctl export` writes a tenant's configuration as a file, and
// `exumctl apply -f` makes the tenant match one (--dry-run prints the plan). Planning is pure
// (cli/tenant-file/plan.ts); this module reads the current state and carries the steps out.
import { readFileSync, writeFileSync } from 'node:fs';
import pLimit from 'p-limit';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { Role } from '../../lib/domain/credential.js';
import { MAX_BATCH_ROWS } from '../../lib/management/user-batch.js';
import { exportTenantFile, planApply, type CurrentConfiguration, type PlanStep } from '../tenant-file/plan.js';
import { parseTenantFile, type TenantFile } from '../tenant-file/tenant-file.js';
import { formatChanges } from '../changes.js';
import { run, type Context } from '../context.js';
import { CliError, EXIT, usageError } from '../exit-codes.js';
import { describe } from '../help.js';
import { applyOperation, type Operation } from '../roles.js';

const SECTIONS: Record<Exclude<keyof TenantFile, 'apiVersion' | 'kind' | 'tenant' | 'edge' | 'gatewaySettings'>, PlanStep['section']> = {
  hostingProviders: 'hosting-providers',
  voicemailPolicies: 'voicemail-policies',
  dialPlans: 'dial-plans',
  rerouting: 'rerouting',
  users: 'users',
  contacts: 'contacts',
};

/** The tenant's configuration now; sections the file leaves out are not read (users may be many). */
async function readCurrent(context: Context, tenant: string, wanted: (keyof TenantFile)[] | 'all'): Promise<CurrentConfiguration> {
  const base = `/v1/tenants/${encodeURIComponent(tenant)}`;
  const read = (key: keyof typeof SECTIONS) =>
    wanted === 'all' || wanted.includes(key)
      ? context.client.list<Record<string, unknown>>(`${base}/${SECTIONS[key]}`)
      : Promise.resolve([]);
  const [edge, gatewaySettings, hostingProviders, voicemailPolicies, dialPlans, rerouting, users, contacts] = await Promise.all([
    context.client.get<Record<string, unknown>>(`${base}/edge`).then((answer) => answer.body),
    wanted === 'all' || wanted.includes('gatewaySettings')
      ? context.client.get<Record<string, unknown>>(`${base}/gateway-settings`).then((answer) => answer.body)
      : Promise.resolve(undefined),
    read('hostingProviders'),
    read('voicemailPolicies'),
    read('dialPlans'),
    read('rerouting'),
    read('users'),
    read('contacts'),
  ]);
  return {
    edge,
    ...(gatewaySettings === undefined ? {} : { gatewaySettings }),
    hostingProviders,
    voicemailPolicies,
    dialPlans,
    rerouting,
    users,
    contacts,
  };
}

function readTenantFile(path: string): TenantFile {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw usageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = parseTenantFile(text);
  if (!parsed.ok)
    throw new CliError(
      `${path} is not a valid tenant file:\n${parsed.issues.map((issue) => `  ${issue.field}: ${issue.message} (${issue.rule})`).join('\n')}`,
      EXIT.usage,
    );
  return parsed.file;
}

/** A step as a dry run shows it: the request body is the service's business, not the reviewer's. */
function withoutBody(step: PlanStep): Omit<PlanStep, 'body'> {
  const shown: Partial<PlanStep> = { ...step };
  delete shown.body;
  return shown as Omit<PlanStep, 'body'>;
}

const label = (step: PlanStep) => `${step.section.replace(/s$/, '').replace(/-policie$/, '-policy')} ${step.id}`;

/**
 * The caller's role (GET /v1/whoami) against the operation each step calls, before anything is
 * written, dry run or not: a plan the role may not carry out is refused as the service would
 * refuse its first write (exit 5), naming each operation and the roles it needs.
 */
async function checkRole(context: Context, steps: readonly PlanStep[]): Promise<void> {
  if (steps.length === 0) return;
  const { role } = (await context.client.get<{ role: Role }>('/v1/whoami')).body;
  const refused = new Map<string, { operation: Operation; steps: PlanStep[] }>();
  for (const step of steps) {
    const operation = applyOperation(step.section, step.action);
    if (operation.roles.includes(role)) continue;
    const key = `${operation.method} ${operation.path}`;
    const entry = refused.get(key) ?? { operation, steps: [] };
    entry.steps.push(step);
    refused.set(key, entry);
  }
  if (refused.size === 0) return;
  const shown = 3;
  const lines = [...refused].map(([key, { operation, steps: needing }]) => {
    const named = needing.slice(0, shown).map((step) => `${step.action} ${label(step)}`);
    const more = needing.length > shown ? `, ${needing.length - shown} more` : '';
    return `  ${key} (${named.join(', ')}${more}) needs the role ${operation.roles.join(' or ')}`;
  });
  throw new CliError(
    `the ${role} role may not ${context.dryRun ? 'carry out this plan (dry run)' : 'apply this file'}; nothing was written:\n${lines.join('\n')}`,
    EXIT.denied,
  );
}

interface Outcome {
  step: PlanStep;
  error?: string;
}

/** Carries the steps out in order; users go in batches, the rest one request each. Failures do not stop the rest. */
async function applySteps(
  context: Context,
  tenant: string,
  steps: readonly PlanStep[],
  onOutcome: (outcome: Outcome) => void,
): Promise<void> {
  const base = `/v1/tenants/${encodeURIComponent(tenant)}`;
  const attempt = async (step: PlanStep, request: () => Promise<unknown>) => {
    try {
      await request();
      onOutcome({ step });
    } catch (error) {
      if (!(error instanceof CliError) || error.exitCode === EXIT.unavailable || error.exitCode === EXIT.denied) throw error;
      const fields = (error.problem?.errors ?? []).map((issue) => `${issue.field} (${issue.rule})`).join(', ');
      onOutcome({ step, error: `${error.message}${fields === '' ? '' : ` [${fields}]`}` });
    }
  };
  for (let index = 0; index < steps.length;) {
    const step = steps[index]!;
    if (step.section === 'users' && step.action !== 'delete') {
      let end = index;
      while (end < steps.length && steps[end]!.section === 'users' && steps[end]!.action !== 'delete') end++;
      await upsertUsers(context, base, steps.slice(index, end), onOutcome);
      index = end;
      continue;
    }
    const singleton = step.section === 'edge' || step.section === 'gateway-settings';
    const path = `${base}/${step.section}${singleton ? '' : `/${encodeURIComponent(step.id)}`}`;
    if (singleton) await attempt(step, () => context.client.put(path, step.body));
    else if (step.action === 'create') await attempt(step, () => context.client.post(`${base}/${step.section}`, step.body));
    else if (step.action === 'update') await attempt(step, () => context.client.patch(path, step.body));
    else await attempt(step, () => context.client.delete(path));
    index++;
  }
}

async function upsertUsers(
  context: Context,
  base: string,
  steps: readonly PlanStep[],
  onOutcome: (outcome: Outcome) => void,
): Promise<void> {
  const limit = pLimit(4);
  const chunks: PlanStep[][] = [];
  for (let start = 0; start < steps.length; start += MAX_BATCH_ROWS) chunks.push(steps.slice(start, start + MAX_BATCH_ROWS));
  await Promise.all(
    chunks.map((chunk) =>
      limit(async () => {
        const answer = await context.client.post<{
          results: { outcome: string; errors?: { field: string; rule: string; message: string }[] }[];
        }>(`${base}/users/batch`, { users: chunk.map((step) => step.body) });
        answer.body.results.forEach((result, position) => {
          const error =
            result.outcome === 'failed'
              ? (result.errors ?? []).map((issue) => `${issue.field}: ${issue.message} (${issue.rule})`).join('; ')
              : undefined;
          onOutcome({ step: chunk[position]!, ...(error === undefined ? {} : { error }) });
        });
      }),
    ),
  );
}

export function addDeclarativeCommands(program: Command): void {
  describe(
    program
      .command('apply')
      .requiredOption('-f, --file <file>', 'the tenant file, YAML or JSON ("-" reads standard input)')
      .option('--rotate-secrets', "send the providers' signing secrets the file gives even where nothing else changed"),
    {
      summary: 'Make a tenant match a tenant file: create, update and delete objects, in an order the rules accept',
      examples: [
        'exumctl export > contoso.yaml && $EDITOR contoso.yaml && exumctl apply -f contoso.yaml --dry-run && exumctl apply -f contoso.yaml',
      ],
    },
  )
    .addHelpText(
      'after',
      `A section the file holds is the whole truth: objects it does not list are deleted. A section it leaves out is not touched.
Applying the same file again changes nothing. The format: docs/tenant-file.md (JSON Schema: docs/tenant-file.schema.json).
Exits ${EXIT.ok} when everything was applied (or nothing needed to be), ${EXIT.partial} when some steps failed, ${EXIT.usage} when the file is invalid,
${EXIT.denied} when the credential's role may not make a change the plan needs (checked before anything is written, --dry-run included).
`,
    )
    .action(
      run<{ file: string; rotateSecrets?: boolean }>(async (context, _args, options) => {
        const file = readTenantFile(options.file);
        if (
          context.settings.tenant !== undefined &&
          context.settings.sources.tenant !== 'default' &&
          context.settings.tenant !== file.tenant &&
          context.settings.sources.tenant === 'flag'
        ) {
          throw usageError(`the file is for tenant ${file.tenant}, not ${context.settings.tenant}`);
        }
        const sections = Object.keys(file).filter((key) => key in SECTIONS || key === 'gatewaySettings') as (keyof TenantFile)[];
        const plan = planApply(file, await readCurrent(context, file.tenant, sections), { rotateSecrets: options.rotateSecrets === true });
        if (plan.problems.length > 0) {
          throw new CliError(
            `${options.file} cannot be applied:\n${plan.problems.map((issue) => `  ${issue.field}: ${issue.message} (${issue.rule})`).join('\n')}`,
            EXIT.refused,
          );
        }
        await checkRole(context, plan.steps);
        const printer = context.printer;
        const counts = { create: 0, update: 0, delete: 0 };
        for (const step of plan.steps) counts[step.action]++;
        const summary = `${counts.create} to create, ${counts.update} to update, ${counts.delete} to delete`;
        if (context.dryRun) {
          if (printer.mode === 'json') printer.out(JSON.stringify({ dryRun: true, counts, steps: plan.steps.map(withoutBody) }, null, 2));
          else
            printer.out(
              `dry run, nothing written (tenant ${file.tenant}: ${summary}):\n${formatChanges(plan.steps.map((step) => ({ ...step, type: step.section.replace(/s$/, '').replace(/-policie$/, '-policy') })))}`,
            );
          return;
        }
        if (plan.steps.length === 0) {
          if (printer.mode === 'json') printer.out(JSON.stringify({ applied: counts, failed: [] }));
          else printer.err(`tenant ${file.tenant} already matches ${options.file}: nothing to do`);
          return;
        }
        printer.err(`applying to tenant ${file.tenant}: ${summary}`);
        const failed: { action: string; object: string; error: string }[] = [];
        const applied = { create: 0, update: 0, delete: 0 };
        await applySteps(context, file.tenant, plan.steps, ({ step, error }) => {
          if (error === undefined) applied[step.action]++;
          else failed.push({ action: step.action, object: label(step), error });
          if (printer.mode === 'table' && step.section !== 'users')
            printer.err(
              `${error === undefined ? '  done' : 'FAILED'} ${step.action} ${label(step)}${error === undefined ? '' : `: ${error}`}`,
            );
        });
        if (printer.mode === 'json') printer.out(JSON.stringify({ applied, failed }, null, 2));
        else {
          for (const failure of failed.filter((entry) => entry.object.startsWith('user ')))
            printer.err(`FAILED ${failure.action} ${failure.object}: ${failure.error}`);
          printer.out(
            `applied to tenant ${file.tenant}: ${applied.create} created, ${applied.update} updated, ${applied.delete} deleted${failed.length > 0 ? `; ${failed.length} failed` : ''}`,
          );
        }
        return failed.length > 0 ? EXIT.partial : EXIT.ok;
      }),
    );

  describe(
    program
      .command('export')
      .option('-f, --file <file>', 'write to this file instead of standard output')
      .option('--format <format>', 'yaml (default) or json; -o json also selects json'),
    {
      summary: "Write the tenant's whole configuration as a tenant file: exporting and applying it changes nothing",
      examples: ['exumctl export > contoso.yaml', 'exumctl export --format json -f contoso.json'],
    },
  )
    .addHelpText(
      'after',
      "Providers' signing secrets are never exported (the service does not show them): the file keeps the current ones.\n",
    )
    .action(
      run<{ file?: string; format?: string }>(async (context, _args, options) => {
        const tenant = context.tenant();
        const format = options.format ?? (context.printer.mode === 'json' ? 'json' : 'yaml');
        if (format !== 'yaml' && format !== 'json') throw usageError(`--format must be yaml or json (got ${format})`);
        const exported = exportTenantFile(tenant, await readCurrent(context, tenant, 'all'));
        const text =
          format === 'json'
            ? `${JSON.stringify(exported, null, 2)}\n`
            : `# exum-router tenant configuration of ${tenant}: apply with \`exumctl apply -f <this file>\`\n# format: docs/tenant-file.md\n${stringify(exported, { lineWidth: 0 })}`;
        if (options.file === undefined) process.stdout.write(text);
        else {
          writeFileSync(options.file, text);
          context.printer.err(`wrote the configuration of tenant ${tenant} to ${options.file}`);
        }
      }),
    );
}
