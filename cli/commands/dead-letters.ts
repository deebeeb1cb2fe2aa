// Dead letters: provider events that could not be delivered and provisioning events that could not
// be applied. List and read them; replay one or all (sent again under the same event id, or applied
// again, from the service's stream); discard one. Exchange's queue viewer, for voicemail events.
import type { Command } from 'commander';
import { printWriteAnswer, run, writeQuery, type Context } from '../context.js';
import { CliError, EXIT, usageError } from '../exit-codes.js';
import { describe } from '../help.js';
import { formatTable, printList, printRecord, type Column } from '../output.js';
import type { DeadLetter } from '../../lib/domain/dead-letter.js';
import type { DeadLetterSummary, ReplayAllAnswer } from '../../lib/dead-letters/dead-letters.js';

const KINDS = ['provider-event', 'provisioning-event'] as const;

const parseKind = (value: string): (typeof KINDS)[number] => {
  const kind = KINDS.find((known) => known === value);
  if (kind === undefined) throw usageError(`--kind must be ${KINDS.join(' or ')}`);
  return kind;
};

const LIST_COLUMNS: readonly Column<DeadLetter>[] = [
  { header: 'ID', value: (letter) => letter.id },
  { header: 'KIND', value: (letter) => letter.kind },
  { header: 'TYPE', value: (letter) => letter.type },
  { header: 'PROVIDER', value: (letter) => letter.providerId },
  { header: 'SUBJECT', value: (letter) => letter.subject },
  { header: 'DEAD-LETTERED', value: (letter) => letter.deadLetteredAt },
  { header: 'ATTEMPTS', value: (letter) => letter.attempts },
  { header: 'STATUS', value: (letter) => letter.lastStatus },
  { header: 'REPLAY', value: (letter) => (letter.replay === undefined ? null : `queued ${letter.replay.requestedAt}`) },
  { header: 'REASON', value: (letter) => letter.reason },
];

const SUMMARY_COLUMNS: readonly Column<DeadLetterSummary>[] = [
  { header: 'ID', value: (letter) => letter.id },
  { header: 'TYPE', value: (letter) => letter.type },
  { header: 'PROVIDER', value: (letter) => letter.providerId },
  { header: 'SUBJECT', value: (letter) => letter.subject },
  { header: 'DEAD-LETTERED', value: (letter) => letter.deadLetteredAt },
];

interface ReplayOptions {
  reason: string;
  all?: boolean;
  kind?: (typeof KINDS)[number];
  provider?: string;
  from?: string;
  to?: string;
  wait?: boolean;
  interval: number;
}

/** What became of a replay: carried out (its dead letter gone), dead-lettered again, or still queued. */
type Outcome =
  { id: string; outcome: 'done' } | { id: string; outcome: 'failed again'; reason: string } | { id: string; outcome: 'queued' };

async function outcomeOf(context: Context, id: string, replayId: string | null): Promise<Outcome> {
  try {
    const letter = (await context.client.get<DeadLetter>(context.tenantPath('dead-letters', id))).body;
    if (letter.replay !== undefined && letter.replay.id === replayId) return { id, outcome: 'queued' };
    return { id, outcome: 'failed again', reason: letter.reason };
  } catch (error) {
    if (error instanceof CliError && error.exitCode === EXIT.notFound) return { id, outcome: 'done' };
    throw error;
  }
}

/**
 * Waits until every replay is carried out, then says how each ended: exit 0 when all were
 * delivered (or applied), 7 when some were dead-lettered again. Ctrl-C stops waiting, not the replays.
 */
async function waitForReplays(context: Context, replays: { id: string; replayId: string | null }[], intervalMs: number) {
  const readOutcomes = async () => {
    const found: Outcome[] = [];
    for (const replay of replays) found.push(await outcomeOf(context, replay.id, replay.replayId));
    return found;
  };
  const pending = (outcomes: Outcome[]) => outcomes.filter((outcome) => outcome.outcome === 'queued').length;
  let outcomes = await readOutcomes();
  let interrupted = false;
  const onInterrupt = () => (interrupted = true);
  process.once('SIGINT', onInterrupt);
  try {
    while (!interrupted && pending(outcomes) > 0) {
      context.printer.err(`waiting for ${pending(outcomes)} replay${pending(outcomes) === 1 ? '' : 's'} to be carried out...`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      outcomes = await readOutcomes();
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  if (context.printer.mode === 'json') context.printer.out(JSON.stringify(outcomes, null, 2));
  else
    context.printer.out(
      formatTable(outcomes, [
        { header: 'ID', value: (outcome) => outcome.id },
        {
          header: 'OUTCOME',
          value: (outcome) => (outcome.outcome === 'done' ? 'delivered or applied; dead letter gone' : outcome.outcome),
        },
        { header: 'REASON', value: (outcome) => (outcome.outcome === 'failed again' ? outcome.reason : null) },
      ]),
    );
  if (interrupted) return EXIT.interrupted;
  return outcomes.some((outcome) => outcome.outcome === 'failed again') ? EXIT.partial : EXIT.ok;
}

async function replayOne(context: Context, id: string, options: ReplayOptions) {
  const answer = await context.client.post<DeadLetter | undefined>(
    context.tenantPath('dead-letters', id, 'replay'),
    { reason: options.reason },
    { query: writeQuery(context) },
  );
  if (options.wait === true && !context.dryRun && answer.body?.replay !== undefined) {
    for (const warning of (answer.body as { warnings?: string[] }).warnings ?? []) context.printer.err(`WARNING: ${warning}`);
    context.printer.err(`replay of ${id} queued`);
    return waitForReplays(context, [{ id, replayId: answer.body.replay.id }], options.interval * 1000);
  }
  printWriteAnswer(context, answer, `replay of ${id} queued: the service sends it again under the same event id (or applies it again)`);
}

/** Replays every dead letter the filter selects, request after request (the service queues up to 500 a request). */
async function replayAll(context: Context, options: ReplayOptions) {
  const body = {
    reason: options.reason,
    ...(options.kind === undefined ? {} : { kind: options.kind }),
    ...(options.provider === undefined ? {} : { providerId: options.provider }),
    ...(options.from === undefined ? {} : { from: options.from }),
    ...(options.to === undefined ? {} : { to: options.to }),
  };
  const path = context.tenantPath('dead-letters', 'replay');
  let answer = (await context.client.post<ReplayAllAnswer>(path, body, { query: writeQuery(context) })).body;
  const total: ReplayAllAnswer = { ...answer, queued: [...answer.queued] };
  // The same bound (`to`) each time, so dead letters written meanwhile (a replay failing again) are not taken.
  while (!context.dryRun && answer.remaining > 0 && answer.queued.length > 0) {
    answer = (await context.client.post<ReplayAllAnswer>(path, { ...body, to: answer.to })).body;
    total.queued.push(...answer.queued);
    total.remaining = answer.remaining;
    total.skipped.push(...answer.skipped);
  }
  // Skipped on a later request because an earlier one queued them: they are this command's own.
  const mine = new Set(total.queued.map((letter) => letter.id));
  total.skipped = [...new Map(total.skipped.filter((skip) => !mine.has(skip.id)).map((skip) => [skip.id, skip])).values()];

  if (options.wait === true && !context.dryRun) {
    for (const skip of total.skipped) context.printer.err(`skipped ${skip.id}: ${skip.reason}`);
    context.printer.err(`${total.queued.length} replay${total.queued.length === 1 ? '' : 's'} queued`);
    return waitForReplays(
      context,
      total.queued.map((letter) => ({ id: letter.id, replayId: letter.replayId })),
      options.interval * 1000,
    );
  }
  if (context.printer.mode === 'json') {
    context.printer.out(JSON.stringify(total, null, 2));
    return;
  }
  const verb = context.dryRun ? 'would queue' : 'queued';
  if (total.queued.length > 0) context.printer.out(formatTable(total.queued, SUMMARY_COLUMNS));
  for (const skip of total.skipped) context.printer.err(`skipped ${skip.id}: ${skip.reason}`);
  context.printer.err(
    `${context.dryRun ? 'dry run, nothing written: ' : ''}${verb} ${total.queued.length} of ${total.matched} dead letter${total.matched === 1 ? '' : 's'} dead-lettered up to ${total.to}` +
      (total.remaining > 0
        ? ` (${total.remaining} more beyond one request's bound${context.dryRun ? '' : ': run the command again'})`
        : ''),
  );
}

export function addDeadLetterCommands(program: Command): void {
  const group = program
    .command('dead-letters')
    .alias('dead-letter')
    .description('events that could not be delivered to a provider or applied: list, replay, discard');

  describe(
    group
      .command('list')
      .option('--kind <kind>', `only ${KINDS.join(' or ')}`, parseKind)
      .option('--provider <id>', "only this provider's events"),
    {
      summary: 'List dead letters, newest first, with the reason, the attempts and the last status',
      lync: 'Exchange: Get-Queue | Get-Message',
      examples: ['exumctl dead-letters list', 'exumctl dead-letters list --provider exo -o json'],
    },
  ).action(
    run<{ kind?: string; provider?: string }>(async (context, _args, options) => {
      const letters = (await context.client.list<DeadLetter>(context.tenantPath('dead-letters'))).filter(
        (letter) =>
          (options.kind === undefined || letter.kind === options.kind) &&
          (options.provider === undefined || letter.providerId === options.provider),
      );
      printList(context.printer, letters, LIST_COLUMNS, 'no dead letters');
    }),
  );

  describe(group.command('get').argument('<id>', 'the dead letter (its event id, for provider events)'), {
    summary: 'Show a dead letter with the event it holds',
    lync: 'Exchange: Get-Message | Format-List',
    examples: ['exumctl dead-letters get evt_3kQ9', 'exumctl dead-letters get evt_3kQ9 -o json'],
  }).action(
    run(async (context, [id]) =>
      printRecord(context.printer, (await context.client.get<object>(context.tenantPath('dead-letters', id!))).body),
    ),
  );

  describe(
    group
      .command('replay')
      .argument('[id]', 'the dead letter; or --all')
      .requiredOption('--reason <text>', 'why (kept in the audit trail)')
      .option('--all', 'every dead letter the filters select (all by default), oldest first')
      .option('--kind <kind>', `with --all: only ${KINDS.join(' or ')}`, parseKind)
      .option('--provider <id>', "with --all: only this provider's events")
      .option('--from <time>', 'with --all: dead-lettered at or after (ISO 8601, e.g. 2026-11-25T02:00:00Z)')
      .option('--to <time>', 'with --all: dead-lettered at or before (default: now)')
      .option('--wait', 'then wait until each replay is carried out and say how it ended')
      .option('--interval <seconds>', 'how often --wait looks', (value) => Number(value), 2),
    {
      summary: `Replay dead letters: a provider event is sent again under the same event id (providers de-duplicate on it), a provisioning event applied again. The service queues the replay and carries it out from its stream; one that fails again is dead-lettered again with the new reason.\nWith --wait, exits ${EXIT.ok} when every replay was delivered or applied, ${EXIT.partial} when some failed again.`,
      lync: 'Exchange: Retry-Queue, Resume-Message',
      examples: [
        'exumctl dead-letters replay evt_3kQ9 --reason "exo fixed its endpoint (INC-4711)" --wait',
        'exumctl dead-letters replay --all --provider exo --from 2026-11-25T02:00:00Z --reason "exo outage over" --dry-run',
      ],
    },
  ).action(
    run<ReplayOptions>(async (context, [id], options) => {
      if ((id === undefined) === (options.all !== true)) throw usageError('name one dead letter, or give --all');
      if (id !== undefined && [options.kind, options.provider, options.from, options.to].some((filter) => filter !== undefined))
        throw usageError('--kind, --provider, --from and --to go with --all');
      if (!Number.isFinite(options.interval) || options.interval <= 0) throw usageError('--interval must be a number of seconds');
      return id === undefined ? replayAll(context, options) : replayOne(context, id, options);
    }),
  );

  describe(
    group.command('discard').argument('<id>', 'the dead letter').requiredOption('--reason <text>', 'why (kept in the audit trail)'),
    {
      summary: 'Discard a dead letter for good: it is not sent or applied again. The audit trail keeps who, when and why',
      lync: 'Exchange: Remove-Message -WithNDR $false',
      examples: ['exumctl dead-letters discard evt_3kQ9 --reason "contact deleted on the provider side already"'],
    },
  ).action(
    run<{ reason: string }>(async (context, [id], options) => {
      const answer = await context.client.post(
        context.tenantPath('dead-letters', id!, 'discard'),
        { reason: options.reason },
        { query: writeQuery(context) },
      );
      printWriteAnswer(context, answer, `discarded dead letter ${id}`);
    }),
  );
}
