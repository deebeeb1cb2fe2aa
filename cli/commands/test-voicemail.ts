// test-voicemail: the routing decision for a target with its explanation, the way
// Test-CsExUMVoiceMail reports whether a user's voicemail can be reached.
import type { Command } from 'commander';
import { run } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { describe } from '../help.js';
import { cell, formatRecord, formatTable } from '../output.js';
import type { ResolveAnswer as Answer } from '../../lib/routing/resolve-contract.js';

const headersOf = (headers: Record<string, string>) => Object.entries(headers).map(([name, value]) => `${name}: ${value}`);

export function formatDecision(target: string, reason: string, answer: Answer): string {
  const rejected = answer.decision === 'reject';
  const summary = {
    Target: target,
    Reason: reason,
    Result: rejected ? 'Failure' : 'Success',
    Decision: answer.decision,
    ...(rejected
      ? { 'SIP answer': `${answer.sipStatus} ${answer.reasonPhrase}` }
      : {
          'Next hop': answer.nextHop,
          'Request URI': answer.requestUri,
          Headers: headersOf(answer.headers),
          'Dial plan': answer.dialPlanLabel,
        }),
    Diagnostic: `${answer.diagnostic.code} ${answer.diagnostic.reason}`,
  };
  const parts = [formatRecord(summary)];
  if (answer.alternates.length > 0) {
    parts.push(
      `\nAlternates, in order:\n${formatTable(
        answer.alternates.map((hop, index) => ({ index: index + 1, ...hop })),
        [
          { header: '#', value: (hop) => hop.index },
          { header: 'NEXT HOP', value: (hop) => hop.nextHop ?? "(the gateway's PSTN route)" },
          { header: 'REQUEST URI', value: (hop) => hop.requestUri },
          { header: 'HEADERS', value: (hop) => cell(headersOf(hop.headers)) },
        ],
      )}`,
    );
  }
  if (answer.explain !== undefined) {
    parts.push(
      `\nChecks:\n${formatTable(answer.explain.checks, [
        { header: 'STEP', value: (check) => check.step },
        { header: 'OK', value: (check) => (check.ok ? 'yes' : 'NO') },
        { header: 'FOUND', value: (check) => check.found },
      ])}`,
    );
  }
  return parts.join('\n');
}

export function addTestVoicemailCommand(program: Command): void {
  describe(
    program
      .command('test-voicemail')
      .argument('<target>', 'sip:user@domain, tel:+E164[;ext=N] or +E164')
      .option('--reason <reason>', 'voicemail | subscriber-access | auto-attendant', 'voicemail')
      .option('--call-id <id>', 'a SIP Call-ID (picks the UM server the way a real call would)'),
    {
      summary: `Where would a voicemail-bound call to the target go? The decision, its next hop and alternates, and every check made.\nExits ${EXIT.ok} when the call would be routed, ${EXIT.rejected} when it would be rejected.`,
      lync: 'Test-CsExUMVoiceMail',
      examples: ['exumctl test-voicemail sip:alice@contoso.com', 'exumctl test-voicemail +14255550100 --reason subscriber-access -o json'],
    },
  ).action(
    run<{ reason: string; callId?: string }>(async (context, [target], options) => {
      const body = { target, reason: options.reason, ...(options.callId === undefined ? {} : { callId: options.callId }) };
      const answer = (await context.client.post<Answer>('/v1/resolve', body, { query: { explain: true } })).body;
      context.printer.out(
        context.printer.mode === 'json' ? JSON.stringify(answer, null, 2) : formatDecision(target!, options.reason, answer),
      );
      return answer.decision === 'reject' ? EXIT.rejected : EXIT.ok;
    }),
  );
}
