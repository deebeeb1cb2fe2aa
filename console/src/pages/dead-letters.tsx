// Dead letters: provider events that could not be delivered and provisioning events that could not
// be applied (GET /v1/tenants/{tenant}/dead-letters, paged with the API's cursor), one in detail
// (the event, the failure), and for the roles that may: Replay one, Replay all (a dry run's count
// first) and Discard, each with a reason the API keeps in the audit trail.
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Modal from '@cloudscape-design/components/modal';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import Textarea from '@cloudscape-design/components/textarea';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { expectOk, fieldError, type Api, type Problem } from '../api/client';
import { problemOf, ProblemAlert } from '../components/problem-alert';
import { useSession } from '../session';
import { DialogFooter, LoadMoreFooter } from '../components/footers';

const BASE = '/v1/tenants/{tenant}/dead-letters';
const ONE = '/v1/tenants/{tenant}/dead-letters/{id}';
const PAGE_SIZE = 50;
const REASON_REQUIRED = 'A reason is required: the audit trail tells it to the next person';

const listPage = (api: Api, tenant: string, cursor: string | null) =>
  expectOk(api.GET(BASE, { params: { path: { tenant }, query: { limit: String(PAGE_SIZE), ...(cursor === null ? {} : { cursor }) } } }));
type DeadLetter = Awaited<ReturnType<typeof listPage>>['items'][number];

const KIND_OPTIONS = [
  { value: '', label: 'Every kind' },
  { value: 'provider-event', label: 'Provider events' },
  { value: 'provisioning-event', label: 'Provisioning events' },
] as const;

export default function DeadLettersPage() {
  const { api, tenant, may } = useSession();
  const [selected, setSelected] = useState<DeadLetter | null>(null);
  const [acting, setActing] = useState<'replay' | 'discard' | 'replay-all' | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const list = useInfiniteQuery({
    queryKey: ['dead-letters', tenant],
    queryFn: ({ pageParam }) => listPage(api, tenant!, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const mayReplay = may('POST', `${ONE}/replay`);
  const mayReplayAll = may('POST', `${BASE}/replay`);
  const mayDiscard = may('POST', `${ONE}/discard`);
  const done = (message: string) => {
    setActing(null);
    setOutcome(message);
  };

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="Events that could not be delivered or applied, with the reason: replay them once fixed, or discard them"
        >
          Dead letters
        </Header>
      }
    >
      <SpaceBetween size="l">
        {outcome === null ? null : (
          <Alert type="success" dismissible onDismiss={() => setOutcome(null)}>
            {outcome}
          </Alert>
        )}
        <ProblemAlert error={list.error} />
        <Table
          header={
            <Header
              variant="h2"
              counter={list.data === undefined ? undefined : `(${items.length}${list.hasNextPage ? '+' : ''})`}
              actions={
                <SpaceBetween direction="horizontal" size="xs">
                  {mayReplay ? (
                    <Button disabled={selected === null} onClick={() => setActing('replay')}>
                      Replay
                    </Button>
                  ) : null}
                  {mayDiscard ? (
                    <Button disabled={selected === null} onClick={() => setActing('discard')}>
                      Discard
                    </Button>
                  ) : null}
                  {mayReplayAll ? <Button onClick={() => setActing('replay-all')}>Replay all</Button> : null}
                </SpaceBetween>
              }
            >
              Dead letters
            </Header>
          }
          ariaLabels={{ tableLabel: 'Dead letters', selectionGroupLabel: 'Dead letters', itemSelectionLabel: (_, letter) => letter.id }}
          selectionType="single"
          selectedItems={selected === null ? [] : items.filter((letter) => letter.id === selected.id)}
          onSelectionChange={(event) => setSelected(event.detail.selectedItems[0] ?? null)}
          trackBy="id"
          loading={list.isPending}
          loadingText="Loading dead letters"
          items={items}
          wrapLines
          columnDefinitions={[
            { id: 'deadLetteredAt', header: 'Dead-lettered', cell: (letter) => letter.deadLetteredAt },
            { id: 'kind', header: 'Kind', cell: (letter) => letter.kind },
            { id: 'type', header: 'Type', cell: (letter) => letter.type },
            { id: 'provider', header: 'Provider', cell: (letter) => letter.providerId ?? '-' },
            { id: 'subject', header: 'Subject', cell: (letter) => letter.subject },
            { id: 'attempts', header: 'Attempts', cell: (letter) => letter.attempts },
            { id: 'status', header: 'Last status', cell: (letter) => letter.lastStatus ?? '-' },
            { id: 'reason', header: 'Reason', cell: (letter) => letter.reason },
            {
              id: 'replay',
              header: 'Replay',
              cell: (letter) => (letter.replay === undefined ? '-' : <StatusIndicator type="pending">queued</StatusIndicator>),
            },
          ]}
          empty={<Box textAlign="center">No dead letters: every event was delivered or applied</Box>}
          footer={<LoadMoreFooter list={list} />}
        />
        {selected === null ? null : <DeadLetterDetail key={selected.id} id={selected.id} />}
      </SpaceBetween>
      {selected !== null && (acting === 'replay' || acting === 'discard') ? (
        <ReasonModal
          letter={selected}
          action={acting}
          onClose={() => setActing(null)}
          onDone={(message) => {
            if (acting === 'discard') setSelected(null);
            done(message);
          }}
        />
      ) : null}
      {acting === 'replay-all' ? <ReplayAllModal onClose={() => setActing(null)} onDone={done} /> : null}
    </ContentLayout>
  );
}

/** One dead letter as the API reads it now: the failure, the replay queued on it if any, the event. */
function DeadLetterDetail({ id }: { id: string }) {
  const { api, tenant } = useSession();
  const letter = useQuery({
    queryKey: ['dead-letter', tenant, id],
    queryFn: () => expectOk(api.GET(ONE, { params: { path: { tenant: tenant!, id } } })),
  });
  const data = letter.data;
  return (
    <Container header={<Header variant="h2">Dead letter {id}</Header>}>
      {data === undefined ? (
        letter.error === null ? (
          <StatusIndicator type="loading">Loading</StatusIndicator>
        ) : (
          <ProblemAlert error={letter.error} />
        )
      ) : (
        <ColumnLayout columns={2} variant="text-grid">
          <SpaceBetween size="m">
            <Box variant="h3">The failure</Box>
            <KeyValuePairs
              items={[
                { label: 'Reason', value: <span data-testid="dead-letter-reason">{data.reason}</span> },
                { label: 'Kind', value: data.kind },
                { label: 'Type', value: data.type },
                { label: 'Event id', value: data.eventId },
                { label: 'Provider', value: data.providerId ?? '-' },
                { label: 'Subject', value: data.subject },
                { label: 'Attempts', value: data.attempts },
                { label: 'Last status', value: data.lastStatus ?? '-' },
                { label: 'Dead-lettered', value: data.deadLetteredAt },
                { label: 'Earlier replays that failed', value: data.replays ?? 0 },
                {
                  label: 'Migration',
                  value: data.migration == null ? '-' : `${data.migration.migrationId} (${data.migration.sipUri})`,
                },
                {
                  label: 'Replay queued',
                  value:
                    data.replay === undefined
                      ? 'none'
                      : `${data.replay.requestedAt} by ${data.replay.requestedBy.credentialId} (${data.replay.requestedBy.role}): ${data.replay.reason}`,
                },
              ]}
            />
          </SpaceBetween>
          <SpaceBetween size="m">
            <Box variant="h3">The event</Box>
            <pre
              aria-label="The event"
              data-testid="dead-letter-event"
              style={{ margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}
            >
              {JSON.stringify(data.event, null, 2)}
            </pre>
          </SpaceBetween>
        </ColumnLayout>
      )}
    </Container>
  );
}

/** Replay or discard one dead letter, with the reason the audit trail keeps (refused empty here and by the API). */
function ReasonModal({
  letter,
  action,
  onClose,
  onDone,
}: {
  letter: DeadLetter;
  action: 'replay' | 'discard';
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const { api, tenant } = useSession();
  const queries = useQueryClient();
  const [reason, setReason] = useState('');
  const [empty, setEmpty] = useState(false);
  const act = useMutation({
    mutationFn: () => {
      const options = { params: { path: { tenant: tenant!, id: letter.id } }, body: { reason } };
      return expectOk(action === 'replay' ? api.POST(`${ONE}/replay`, options) : api.POST(`${ONE}/discard`, options));
    },
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ['dead-letters', tenant] });
      await queries.invalidateQueries({ queryKey: ['dead-letter', tenant, letter.id] });
      await queries.invalidateQueries({ queryKey: ['summary', tenant] });
      onDone(
        action === 'replay'
          ? `Replay of ${letter.id} queued: it is carried out from the stream; the dead letter goes once it succeeds`
          : `Discarded ${letter.id}`,
      );
    },
  });
  const problem = problemOf(act.error);
  const submit = () => {
    if (reason.trim() === '') {
      setEmpty(true);
      return;
    }
    act.mutate();
  };
  const verb = action === 'replay' ? 'Replay' : 'Discard';

  return (
    <Modal
      closeAriaLabel="Close"
      visible
      onDismiss={onClose}
      header={`${verb} ${letter.id}`}
      footer={
        <DialogFooter onCancel={onClose}>
          <Button variant="primary" loading={act.isPending} onClick={submit}>
            {verb}
          </Button>
        </DialogFooter>
      }
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <Form>
          <SpaceBetween size="m">
            <Box>
              {action === 'replay'
                ? `The ${letter.type} event about ${letter.subject} is sent again (provider events, under the same event id) or applied again (provisioning events).`
                : `The ${letter.type} event about ${letter.subject} is removed for good and never delivered.`}
            </Box>
            <ReasonField
              reason={reason}
              missing={empty}
              problem={problem}
              onChange={(value) => {
                setReason(value);
                setEmpty(false);
              }}
            />
            {problem !== null && fieldError(problem, 'reason') === undefined ? <ProblemAlert error={act.error} /> : null}
          </SpaceBetween>
        </Form>
      </form>
    </Modal>
  );
}

/** Replay every dead letter a filter selects: a dry run first, which says how many, then the replay. */
function ReplayAllModal({ onClose, onDone }: { onClose: () => void; onDone: (message: string) => void }) {
  const { api, tenant } = useSession();
  const queries = useQueryClient();
  const [reason, setReason] = useState('');
  const [kind, setKind] = useState<'' | 'provider-event' | 'provisioning-event'>('');
  const [providerId, setProviderId] = useState('');
  const [empty, setEmpty] = useState(false);
  const [preview, setPreview] = useState<{ matched: number; queued: number; remaining: number; to: string } | null>(null);
  const call = (dryRun: boolean) =>
    expectOk(
      api.POST(`${BASE}/replay`, {
        params: { path: { tenant: tenant! }, query: { dryRun: dryRun ? 'true' : 'false' } },
        body: {
          reason,
          ...(kind === '' ? {} : { kind }),
          ...(providerId.trim() === '' ? {} : { providerId: providerId.trim() }),
          // The replay goes on with what the dry run counted: dead letters up to the same time.
          ...(dryRun || preview === null ? {} : { to: preview.to }),
        },
      }),
    );
  const dryRun = useMutation({
    mutationFn: async () => {
      const answer = await call(true);
      setPreview({ matched: answer.matched, queued: answer.queued.length, remaining: answer.remaining, to: answer.to });
    },
  });
  const replay = useMutation({
    mutationFn: () => call(false),
    onSuccess: async (answer) => {
      await queries.invalidateQueries({ queryKey: ['dead-letters', tenant] });
      await queries.invalidateQueries({ queryKey: ['summary', tenant] });
      onDone(
        `Queued ${answer.queued.length} replay${answer.queued.length === 1 ? '' : 's'}` +
          (answer.skipped.length === 0 ? '' : `; skipped ${answer.skipped.length}`) +
          (answer.remaining === 0 ? '' : `; ${answer.remaining} more remain: replay all again`),
      );
    },
  });
  const error = replay.error ?? dryRun.error;
  const problem = problemOf(error);
  const withReason = (then: () => void) => () => {
    if (reason.trim() === '') setEmpty(true);
    else then();
  };
  const changed = () => setPreview(null);

  return (
    <Modal
      closeAriaLabel="Close"
      visible
      onDismiss={onClose}
      header="Replay all dead letters"
      footer={
        <DialogFooter onCancel={onClose}>
          <Button loading={dryRun.isPending} onClick={withReason(() => dryRun.mutate())}>
            Dry run
          </Button>
          <Button
            variant="primary"
            disabled={preview === null || preview.queued === 0}
            loading={replay.isPending}
            onClick={withReason(() => replay.mutate())}
          >
            {preview === null ? 'Replay' : `Replay ${preview.queued}`}
          </Button>
        </DialogFooter>
      }
    >
      <Form>
        <SpaceBetween size="m">
          <FormField label="Kind">
            <Select
              ariaLabel="Kind"
              selectedOption={KIND_OPTIONS.find((option) => option.value === kind) ?? KIND_OPTIONS[0]}
              options={[...KIND_OPTIONS]}
              onChange={(event) => {
                setKind((event.detail.selectedOption.value ?? '') as typeof kind);
                changed();
              }}
            />
          </FormField>
          <FormField label="Provider (optional)" errorText={fieldError(problem, 'providerId')}>
            <Input
              ariaLabel="Provider"
              value={providerId}
              onChange={(event) => {
                setProviderId(event.detail.value);
                changed();
              }}
            />
          </FormField>
          <ReasonField
            reason={reason}
            missing={empty}
            problem={problem}
            onChange={(value) => {
              setReason(value);
              setEmpty(false);
            }}
          />
          {problem !== null && (problem.errors ?? []).every((issue) => issue.field !== 'reason' && issue.field !== 'providerId') ? (
            <ProblemAlert error={error} />
          ) : null}
          {preview === null ? (
            <StatusIndicator type="info">Run a dry run first: it counts what would be replayed.</StatusIndicator>
          ) : (
            <Box variant="h4">
              <span data-testid="replay-all-preview">
                {preview.matched} dead letter{preview.matched === 1 ? '' : 's'} match; {preview.queued} would be replayed
                {preview.remaining === 0 ? '' : ` now (${preview.remaining} more on a later request)`}
              </span>
            </Box>
          )}
        </SpaceBetween>
      </Form>
    </Modal>
  );
}

/** The reason a replay or discard requires: refused here when left empty, and where the API names it. */
function ReasonField({
  reason,
  missing,
  problem,
  onChange,
}: {
  reason: string;
  /** Whether the person tried to go on without one. */
  missing: boolean;
  problem: Problem | null;
  onChange: (value: string) => void;
}) {
  return (
    <FormField
      label="Reason"
      description="Kept in the audit trail"
      errorText={missing && reason.trim() === '' ? REASON_REQUIRED : fieldError(problem, 'reason')}
    >
      <Textarea ariaLabel="Reason" value={reason} onChange={(event) => onChange(event.detail.value)} />
    </FormField>
  );
}
