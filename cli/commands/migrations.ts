// Migrations of users' voicemail to a hosted provider: start, list, status (with a live progress
// display), rollback and cancel. Exchange's New-MoveRequest / Get-MoveRequestStatistics, for voicemail.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { printWriteAnswer, run, writeQuery, type Context } from '../context.js';
import { CliError, EXIT, exitCodeOfStatus, usageError } from '../exit-codes.js';
import { describe } from '../help.js';
import { formatRecord, formatTable, printList } from '../output.js';
import { collect, parsePositiveInt } from '../values.js';

type Counts = Record<'pending' | 'requested' | 'completed' | 'failed' | 'rolled-back' | 'cancelled', number>;

interface Progress {
  migration: {
    id: string;
    providerId: string;
    state: string;
    currentWave: number;
    waveCount: number;
    userCount: number;
    grantPolicy: string | null;
    createdAt: string;
    refusal?: { status: number; detail: string; errors: { field: string; rule: string; message: string }[] } | null;
  };
  counts: Counts;
  users: {
    sipUri: string;
    wave: number;
    state: string;
    steps: Record<string, string | null>;
    failureReason: string | null;
    lastDelivery: { outcome: string; status: number | null; at: string } | null;
  }[];
  nextCursor: string | null;
}

/** A migration as the API lists it. */
type MigrationSummary = Progress['migration'];

interface StartOptions {
  provider: string;
  user?: string[];
  usersFile?: string;
  site?: string;
  domain?: string;
  lineUriPrefix?: string;
  grantPolicy?: string;
  waveSize?: number;
  watch?: boolean;
}

/** How often an accepted migration is read while its users are enrolled. */
const ENROLLMENT_POLL_MS = 500;

const settled = (counts: Counts) => counts.completed + counts.failed + counts['rolled-back'] + counts.cancelled;
const open = (counts: Counts) => counts.pending + counts.requested;
const countsLine = (counts: Counts) =>
  Object.entries(counts)
    .map(([state, count]) => `${state} ${count}`)
    .join('  ');

function formatSummary(progress: Progress): string {
  const { migration, counts } = progress;
  return formatRecord({
    Migration: migration.id,
    Provider: migration.providerId,
    State: migration.state,
    Wave: `${migration.currentWave} of ${migration.waveCount}`,
    Users: migration.userCount,
    'Grant policy': migration.grantPolicy,
    Started: migration.createdAt,
    Counts: countsLine(counts),
  });
}

async function readProgress(context: Context, id: string, withUsers: boolean): Promise<Progress> {
  const path = context.tenantPath('migrations', id);
  const first = (await context.client.get<Progress>(path, { query: { limit: withUsers ? 500 : 1 } })).body;
  if (!withUsers) return first;
  const users = [...first.users];
  for (let cursor = first.nextCursor; cursor !== null;) {
    const page = (await context.client.get<Progress>(path, { query: { limit: 500, cursor } })).body;
    users.push(...page.users);
    cursor = page.nextCursor;
  }
  return { ...first, users };
}

/** Redraws a progress bar of settled users until none is pending or requested (or the migration is cancelled). */
async function watchProgress(context: Context, id: string, intervalMs: number): Promise<Progress> {
  let progress = await readProgress(context, id, false);
  const bar = new SingleBar({
    format: '{bar} {value}/{total} settled | {counts}',
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: intervalMs,
    hideCursor: true,
  });
  bar.start(progress.migration.userCount, settled(progress.counts), { counts: countsLine(progress.counts) });
  let interrupted = false;
  const onInterrupt = () => (interrupted = true);
  process.once('SIGINT', onInterrupt);
  try {
    while (
      !interrupted &&
      (progress.migration.state === 'enrolling' || open(progress.counts) > 0) &&
      progress.migration.state !== 'cancelled' &&
      progress.migration.state !== 'refused'
    ) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      progress = await readProgress(context, id, false);
      bar.update(settled(progress.counts), { counts: countsLine(progress.counts) });
    }
  } finally {
    bar.stop();
    process.off('SIGINT', onInterrupt);
  }
  if (interrupted) process.exitCode = EXIT.interrupted;
  return progress;
}

function printStatus(context: Context, progress: Progress, withUsers: boolean): void {
  if (context.printer.mode === 'json') {
    context.printer.out(JSON.stringify(progress, null, 2));
    return;
  }
  context.printer.out(formatSummary(progress));
  if (withUsers && progress.users.length > 0) {
    context.printer.out(
      `\n${formatTable(progress.users, [
        { header: 'SIP ADDRESS', value: (u) => u.sipUri },
        { header: 'WAVE', value: (u) => u.wave },
        { header: 'STATE', value: (u) => u.state },
        { header: 'REQUESTED', value: (u) => u.steps.requestedAt },
        { header: 'COMPLETED', value: (u) => u.steps.completedAt },
        {
          header: 'LAST DELIVERY',
          value: (u) =>
            u.lastDelivery === null
              ? null
              : `${u.lastDelivery.outcome}${u.lastDelivery.status === null ? '' : ` ${u.lastDelivery.status}`}`,
        },
        { header: 'FAILURE', value: (u) => u.failureReason },
      ])}`,
    );
  }
}

/** Reads an accepted migration until its users are enrolled: the migration, running; a refusal met meanwhile fails as a refused start does. */
async function untilEnrolled(context: Context, id: string): Promise<Progress['migration']> {
  for (;;) {
    const { migration } = await readProgress(context, id, false);
    if (migration.state === 'refused' && migration.refusal != null) {
      const { status, detail, errors } = migration.refusal;
      throw new CliError(`migration ${id} was refused: ${detail}`, exitCodeOfStatus(status), {
        type: 'https://exum-router.dev/problems/conflict',
        title: 'Refused by a configuration rule',
        status,
        detail,
        code: 'conflict',
        errors,
      });
    }
    if (migration.state !== 'enrolling') return migration;
    await new Promise((resolve) => setTimeout(resolve, ENROLLMENT_POLL_MS));
  }
}

/** Exit code once a migration is watched to its end: partial when some users failed. */
const finalCode = (progress: Progress) => (progress.counts.failed > 0 ? EXIT.partial : EXIT.ok);

export function addMigrationCommands(program: Command): void {
  const migration = program.command('migration').description("migrations of users' voicemail to a hosted provider, in waves");

  describe(
    migration
      .command('start')
      .requiredOption('--provider <id>', 'the hosting provider the users move to')
      .option('--user <sipUri...>', 'users to move (repeat, or comma-separated)', collect)
      .option('--users-file <file>', 'a file with one SIP address per line')
      .option('--site <site>', 'or: every user of this site')
      .option('--domain <fqdn>', 'or: every user of this SIP domain')
      .option('--line-uri-prefix <tel>', 'or: every user whose line URI starts with this (tel:+1425)')
      .option('--grant-policy <tag>', 'a tag policy granted to each user as it is requested')
      .option('--wave-size <n>', 'users per wave (default 50)', parsePositiveInt)
      .option('--watch', 'then show its progress until every user is settled'),
    {
      summary: 'Start a migration: users are requested from the provider wave by wave; routing changes as the provider answers ready',
      lync: 'Set-CsUser -HostedVoiceMail, user by user; here the provider confirms each mailbox first',
      examples: [
        'exumctl migration start --provider exo --site Redmond --grant-policy ExOnline --wave-size 100 --watch',
        'exumctl migration start --provider exo --user sip:alice@contoso.com,sip:dave@contoso.com',
      ],
    },
  ).action(
    run<StartOptions>(async (context, _args, options) => {
      const users: string[] = [...(options.user ?? [])];
      if (options.usersFile !== undefined) {
        users.push(
          ...readFileSync(options.usersFile, 'utf8')
            .split(/\r?\n/)
            .map((line) => line.trim())
            .filter((line) => line !== '' && !line.startsWith('#')),
        );
      }
      const filter = Object.fromEntries(
        Object.entries({ site: options.site, domain: options.domain, lineUriPrefix: options.lineUriPrefix }).filter(
          ([, value]) => value !== undefined,
        ),
      );
      if (users.length > 0 === Object.keys(filter).length > 0)
        throw usageError('give users (--user, --users-file) or a filter (--site, --domain, --line-uri-prefix), not both');
      const body = {
        providerId: options.provider,
        ...(users.length > 0 ? { users } : { filter }),
        ...(options.grantPolicy === undefined ? {} : { grantPolicy: options.grantPolicy }),
        ...(options.waveSize === undefined ? {} : { waveSize: options.waveSize }),
      };
      // A dry run answers the changes, not the migration: its id is absent then. A start is sent
      // with an Idempotency-Key, so a retry after a lost answer starts nothing twice.
      let answer = await context.client.post<{ id?: string; state?: string } | undefined>(context.tenantPath('migrations'), body, {
        query: writeQuery(context),
        ...(context.dryRun ? {} : { idempotencyKey: randomUUID() }),
      });
      if (answer.status === 202 && answer.body?.id !== undefined) {
        // Accepted: its users are checked and enrolled in the background; wait for that.
        context.printer.err(`accepted migration ${answer.body.id}: enrolling its users`);
        const enrolled = await untilEnrolled(context, answer.body.id);
        answer = { ...answer, status: 201, body: enrolled };
      }
      printWriteAnswer(context, answer, `started migration ${answer.body?.id ?? ''}`);
      if (options.watch === true && !context.dryRun && answer.body?.id !== undefined) {
        const progress = await watchProgress(context, answer.body.id, 1000);
        if (process.exitCode === EXIT.interrupted) return EXIT.interrupted;
        printStatus(context, progress, false);
        return finalCode(progress);
      }
    }),
  );

  describe(migration.command('list'), { summary: 'List migrations, newest first', examples: ['exumctl migration list'] }).action(
    run(async (context) =>
      printList(
        context.printer,
        await context.client.list<MigrationSummary>(context.tenantPath('migrations')),
        [
          { header: 'ID', value: (m) => m.id },
          { header: 'PROVIDER', value: (m) => m.providerId },
          { header: 'STATE', value: (m) => m.state },
          { header: 'WAVE', value: (m) => `${m.currentWave}/${m.waveCount}` },
          { header: 'USERS', value: (m) => m.userCount },
          { header: 'STARTED', value: (m) => m.createdAt },
        ],
        'no migrations',
      ),
    ),
  );

  describe(
    migration
      .command('status')
      .argument('<id>', 'the migration (mig_...)')
      .option('--users', 'also list every user with the time of each step')
      .option('--watch', 'a live progress display until every user is settled (Ctrl-C stops watching, not the migration)')
      .option('--interval <seconds>', 'how often --watch reads the progress', parsePositiveInt, 2),
    {
      summary: `Progress: counts per state, and per user the time of each step and the last event delivery.\nWith --watch, exits ${EXIT.ok} when all users completed, ${EXIT.partial} when some failed.`,
      lync: 'Get-MoveRequestStatistics',
      examples: ['exumctl migration status mig_01J9 --watch', 'exumctl migration status mig_01J9 --users -o json'],
    },
  ).action(
    run<{ users?: boolean; watch?: boolean; interval: number }>(async (context, [id], options) => {
      if (options.watch === true) {
        const progress = await watchProgress(context, id!, options.interval * 1000);
        if (process.exitCode === EXIT.interrupted) return EXIT.interrupted;
        printStatus(context, options.users === true ? await readProgress(context, id!, true) : progress, options.users === true);
        return finalCode(progress);
      }
      printStatus(context, await readProgress(context, id!, options.users === true), options.users === true);
    }),
  );

  describe(
    migration
      .command('rollback')
      .argument('<id>', 'the migration')
      .option('--user <sipUri...>', 'only these users (repeat, or comma-separated)', collect),
    {
      summary:
        "Roll users back: the provider's flag is cleared (routing returns on premises) and the provider is told. All completed and requested users when none are named",
      examples: ['exumctl migration rollback mig_01J9 --user sip:alice@contoso.com', 'exumctl migration rollback mig_01J9'],
    },
  ).action(
    run<{ user?: string[] }>(async (context, [id], options) => {
      const answer = await context.client.post<{ rolledBack: string[]; skipped: { sipUri: string; state: string }[] }>(
        context.tenantPath('migrations', id!, 'rollback'),
        options.user === undefined ? {} : { users: options.user },
      );
      const { rolledBack, skipped } = answer.body;
      if (context.printer.mode === 'json') {
        context.printer.out(JSON.stringify(answer.body, null, 2));
        return;
      }
      context.printer.out(
        `rolled back ${rolledBack.length} user${rolledBack.length === 1 ? '' : 's'}${rolledBack.length > 0 ? `: ${rolledBack.join(', ')}` : ''}`,
      );
      for (const skip of skipped) context.printer.err(`skipped ${skip.sipUri}: it is ${skip.state}`);
    }),
  );

  describe(migration.command('cancel').argument('<id>', 'the migration'), {
    summary: 'Cancel a migration: no further waves; pending users are cancelled (requested ones may still be answered)',
    examples: ['exumctl migration cancel mig_01J9'],
  }).action(
    run(async (context, [id]) =>
      printWriteAnswer(context, await context.client.post(context.tenantPath('migrations', id!, 'cancel')), `cancelled migration ${id}`),
    ),
  );
}
