// Migrations: the tenant's migrations (GET /v1/tenants/{tenant}/migrations), "Start migration" with
// a dry run first (what would happen: the users, the waves), and a migration's live progress
// (polled every 2 s while its users are enrolled and while it runs; a refusal met while enrolling shown): counts by state, each user with the time of each step, and
// Rollback and Cancel for the roles that may (confirmed in a modal). The same API exumctl uses
// (cli/commands/migrations.ts).
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Modal from '@cloudscape-design/components/modal';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import Textarea from '@cloudscape-design/components/textarea';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { expectOk, fieldError, type Api } from '../api/client';
import { problemOf, ProblemAlert } from '../components/problem-alert';
import { useSession } from '../session';
import { DialogFooter, LoadMoreFooter } from '../components/footers';

const BASE = '/v1/tenants/{tenant}/migrations';
const ONE = '/v1/tenants/{tenant}/migrations/{migrationId}';
const PAGE_SIZE = 50;
/** Users shown in a migration's progress (the counts cover all of them). */
const USERS_SHOWN = 500;
const POLL_MS = 2000;

const listPage = (api: Api, tenant: string, cursor: string | null) =>
  expectOk(api.GET(BASE, { params: { path: { tenant }, query: { limit: String(PAGE_SIZE), ...(cursor === null ? {} : { cursor }) } } }));
const readProgress = (api: Api, tenant: string, migrationId: string) =>
  expectOk(api.GET(ONE, { params: { path: { tenant, migrationId }, query: { limit: String(USERS_SHOWN) } } }));

type Migration = Awaited<ReturnType<typeof listPage>>['items'][number];
type Progress = Awaited<ReturnType<typeof readProgress>>;
type MigrationUser = Progress['users'][number];
type UserState = MigrationUser['state'];

const STATE_STATUS: Record<Migration['state'] | UserState, StatusIndicatorProps.Type> = {
  enrolling: 'loading',
  refused: 'error',
  running: 'in-progress',
  completed: 'success',
  cancelled: 'stopped',
  pending: 'pending',
  requested: 'in-progress',
  failed: 'error',
  'rolled-back': 'info',
};
const USER_STATES: readonly UserState[] = ['pending', 'requested', 'completed', 'failed', 'rolled-back', 'cancelled'];

const State = ({ state }: { state: Migration['state'] | UserState }) => (
  <StatusIndicator type={STATE_STATUS[state]}>{state}</StatusIndicator>
);

export default function MigrationsPage() {
  const { api, tenant, may } = useSession();
  const [selected, setSelected] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const list = useInfiniteQuery({
    queryKey: ['migrations', tenant],
    queryFn: ({ pageParam }) => listPage(api, tenant!, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const mayStart = may('POST', BASE);

  return (
    <ContentLayout
      header={
        <Header variant="h1" description="Users' voicemail moved to a hosting provider, in waves">
          Migrations
        </Header>
      }
    >
      <SpaceBetween size="l">
        <ProblemAlert error={list.error} />
        <Table
          header={
            <Header
              variant="h2"
              counter={list.data === undefined ? undefined : `(${items.length}${list.hasNextPage ? '+' : ''})`}
              actions={
                mayStart ? (
                  <Button variant="primary" onClick={() => setStarting(true)}>
                    Start migration
                  </Button>
                ) : undefined
              }
            >
              Migrations
            </Header>
          }
          ariaLabels={{ tableLabel: 'Migrations', selectionGroupLabel: 'Migrations', itemSelectionLabel: (_, item) => item.id }}
          selectionType="single"
          selectedItems={items.filter((item) => item.id === selected)}
          onSelectionChange={(event) => setSelected(event.detail.selectedItems[0]?.id ?? null)}
          trackBy="id"
          loading={list.isPending}
          loadingText="Loading migrations"
          items={items}
          columnDefinitions={[
            { id: 'id', header: 'Migration', cell: (item) => item.id },
            { id: 'state', header: 'State', cell: (item) => <State state={item.state} /> },
            { id: 'provider', header: 'Provider', cell: (item) => item.providerId },
            { id: 'users', header: 'Users', cell: (item) => item.userCount },
            { id: 'wave', header: 'Wave', cell: (item) => `${item.currentWave} of ${item.waveCount}` },
            { id: 'created', header: 'Created', cell: (item) => item.createdAt },
          ]}
          empty={<Box textAlign="center">No migrations yet</Box>}
          footer={<LoadMoreFooter list={list} />}
        />
        {selected === null ? null : <MigrationDetail key={selected} migrationId={selected} />}
      </SpaceBetween>
      {starting ? (
        <StartMigrationModal
          onClose={() => setStarting(false)}
          onStarted={(id) => {
            setStarting(false);
            setSelected(id);
          }}
        />
      ) : null}
    </ContentLayout>
  );
}

/** Read again while its users are enrolled (a start accepted in the background) and while it runs. */
const live = (state: Migration['state'] | undefined) => state === 'enrolling' || state === 'running';

/** A migration's progress, read again every 2 s while it runs. */
function MigrationDetail({ migrationId }: { migrationId: string }) {
  const { api, tenant, may } = useSession();
  const queries = useQueryClient();
  const [confirm, setConfirm] = useState<'rollback' | 'cancel' | null>(null);
  const [chosen, setChosen] = useState<MigrationUser[]>([]);
  const [outcome, setOutcome] = useState<string | null>(null);
  const progress = useQuery({
    queryKey: ['migration', tenant, migrationId],
    queryFn: () => readProgress(api, tenant!, migrationId),
    refetchInterval: (query) => (live(query.state.data?.migration.state) ? POLL_MS : false),
  });
  const mayRollback = may('POST', `${ONE}/rollback`);
  const mayCancel = may('POST', `${ONE}/cancel`);
  const refresh = async () => {
    await queries.invalidateQueries({ queryKey: ['migration', tenant, migrationId] });
    await queries.invalidateQueries({ queryKey: ['migrations', tenant] });
  };
  const rollback = useMutation({
    mutationFn: () =>
      expectOk(
        api.POST(`${ONE}/rollback`, {
          params: { path: { tenant: tenant!, migrationId } },
          body: chosen.length === 0 ? {} : { users: chosen.map((user) => user.sipUri) },
        }),
      ),
    onSuccess: async (answer) => {
      setConfirm(null);
      setChosen([]);
      setOutcome(
        `Rolled back ${answer.rolledBack.length} user${answer.rolledBack.length === 1 ? '' : 's'}` +
          (answer.skipped.length === 0 ? '' : `; left ${answer.skipped.length} as they were (neither completed nor requested)`),
      );
      await refresh();
    },
  });
  const cancel = useMutation({
    mutationFn: () => expectOk(api.POST(`${ONE}/cancel`, { params: { path: { tenant: tenant!, migrationId } } })),
    onSuccess: async () => {
      setConfirm(null);
      setOutcome('Cancelled: no further waves; pending users cancelled (requested users may still be answered)');
      await refresh();
    },
  });

  const data = progress.data;
  if (data === undefined) {
    return (
      <Container header={<Header variant="h2">{migrationId}</Header>}>
        {progress.error === null ? (
          <StatusIndicator type="loading">Loading progress</StatusIndicator>
        ) : (
          <ProblemAlert error={progress.error} />
        )}
      </Container>
    );
  }
  const { migration, counts } = data;
  const rollable = counts.completed + counts.requested;
  const settled = counts.completed + counts.failed + counts['rolled-back'] + counts.cancelled;

  return (
    <SpaceBetween size="l">
      <Container
        header={
          <Header
            variant="h2"
            description={live(migration.state) ? 'Live: read again every 2 seconds' : undefined}
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                {mayRollback ? (
                  <Button disabled={rollable === 0} onClick={() => setConfirm('rollback')}>
                    {chosen.length === 0 ? 'Rollback' : `Rollback ${chosen.length} selected`}
                  </Button>
                ) : null}
                {mayCancel ? (
                  <Button disabled={migration.state !== 'running'} onClick={() => setConfirm('cancel')}>
                    Cancel migration
                  </Button>
                ) : null}
              </SpaceBetween>
            }
          >
            {migration.id}
          </Header>
        }
      >
        <SpaceBetween size="m">
          {outcome === null ? null : (
            <Alert type="success" dismissible onDismiss={() => setOutcome(null)}>
              {outcome}
            </Alert>
          )}
          <ProblemAlert error={progress.error} header="Progress could not be read again" />
          {migration.state === 'enrolling' ? (
            <Alert type="info" header="Enrolling">
              Its users are being checked and enrolled; the first wave starts once they all are.
            </Alert>
          ) : null}
          {migration.refusal == null ? null : (
            <Alert type="error" header="Refused while its users were enrolled: nobody was left in it">
              <SpaceBetween size="xxs">
                <span>{migration.refusal.detail}</span>
                {migration.refusal.errors.map((issue) => (
                  <span key={`${issue.field} ${issue.rule}`}>
                    {issue.field}: {issue.message} ({issue.rule})
                  </span>
                ))}
              </SpaceBetween>
            </Alert>
          )}
          <KeyValuePairs
            columns={4}
            items={[
              {
                label: 'State',
                value: (
                  <span data-testid="migration-state">
                    <State state={migration.state} />
                  </span>
                ),
              },
              { label: 'Provider', value: migration.providerId },
              { label: 'Wave', value: `${migration.currentWave} of ${migration.waveCount} (${migration.waveSize} users each)` },
              { label: 'Grant policy', value: migration.grantPolicy ?? '-' },
              { label: 'Started', value: migration.createdAt },
              { label: 'Last change', value: migration.updatedAt },
              { label: 'By', value: `${migration.modifiedBy.credentialId} (${migration.modifiedBy.role})` },
            ]}
          />
          <ProgressBar
            label="Users settled"
            value={migration.userCount === 0 ? 100 : Math.round((settled / migration.userCount) * 100)}
            additionalInfo={`${settled} of ${migration.userCount} settled`}
          />
          <KeyValuePairs
            columns={USER_STATES.length}
            items={USER_STATES.map((state) => ({ label: state, value: <span data-testid={`count-${state}`}>{counts[state]}</span> }))}
          />
        </SpaceBetween>
      </Container>
      <Table
        header={
          <Header
            variant="h2"
            counter={`(${data.users.length}${data.nextCursor === null ? '' : ` of ${migration.userCount}`})`}
            description={data.nextCursor === null ? undefined : `The first ${USERS_SHOWN} users; the counts cover all of them`}
          >
            Users
          </Header>
        }
        ariaLabels={{
          tableLabel: `Users of ${migration.id}`,
          selectionGroupLabel: 'Users to roll back',
          itemSelectionLabel: (_, user) => user.sipUri,
          allItemsSelectionLabel: () => 'All users',
        }}
        selectionType={mayRollback ? 'multi' : undefined}
        selectedItems={chosen}
        onSelectionChange={(event) => setChosen(event.detail.selectedItems)}
        isItemDisabled={(user) => user.state !== 'completed' && user.state !== 'requested'}
        trackBy="sipUri"
        items={data.users}
        wrapLines
        columnDefinitions={[
          { id: 'sipUri', header: 'SIP address', cell: (user) => user.sipUri },
          { id: 'wave', header: 'Wave', cell: (user) => user.wave },
          { id: 'state', header: 'State', cell: (user) => <State state={user.state} /> },
          { id: 'added', header: 'Added', cell: (user) => user.steps.addedAt },
          { id: 'requested', header: 'Requested', cell: (user) => user.steps.requestedAt ?? '-' },
          {
            id: 'settled',
            header: 'Settled',
            cell: (user) => {
              const { completedAt, failedAt, rolledBackAt, cancelledAt } = user.steps;
              const steps = [
                ['completed', completedAt],
                ['failed', failedAt],
                ['rolled back', rolledBackAt],
                ['cancelled', cancelledAt],
              ].filter(([, at]) => at !== null);
              return steps.length === 0 ? '-' : steps.map(([step, at]) => `${step} ${at}`).join('; ');
            },
          },
          { id: 'failure', header: 'Failure', cell: (user) => user.failureReason ?? '-' },
          {
            id: 'delivery',
            header: 'Last delivery',
            cell: (user) =>
              user.lastDelivery === null
                ? '-'
                : `${user.lastDelivery.type}: ${user.lastDelivery.outcome}${user.lastDelivery.status === null ? '' : ` (${user.lastDelivery.status})`} at ${user.lastDelivery.at}`,
          },
        ]}
        empty={<Box textAlign="center">No users</Box>}
      />
      {confirm !== 'rollback' ? null : (
        <Modal
          closeAriaLabel="Close"
          visible
          onDismiss={() => setConfirm(null)}
          header="Roll back"
          footer={
            <DialogFooter onCancel={() => setConfirm(null)} cancelText="Keep them">
              <Button variant="primary" loading={rollback.isPending} onClick={() => rollback.mutate()}>
                Roll back
              </Button>
            </DialogFooter>
          }
        >
          <SpaceBetween size="s">
            <Box>
              {chosen.length === 0
                ? `Roll back every completed and requested user of ${migration.id} (${rollable})?`
                : `Roll back ${chosen.map((user) => user.sipUri).join(', ')}?`}{' '}
              Completed users get their provider flag cleared and route on premises again; requested users are withdrawn.
            </Box>
            <ProblemAlert error={rollback.error} />
          </SpaceBetween>
        </Modal>
      )}
      {confirm !== 'cancel' ? null : (
        <Modal
          closeAriaLabel="Close"
          visible
          onDismiss={() => setConfirm(null)}
          header="Cancel the migration"
          footer={
            <DialogFooter onCancel={() => setConfirm(null)} cancelText="Keep it running">
              <Button variant="primary" loading={cancel.isPending} onClick={() => cancel.mutate()}>
                Cancel migration
              </Button>
            </DialogFooter>
          }
        >
          <SpaceBetween size="s">
            <Box>
              Cancel {migration.id}? No further waves start and its {counts.pending} pending users are cancelled; its {counts.requested}{' '}
              requested users may still be answered by the provider.
            </Box>
            <ProblemAlert error={cancel.error} />
          </SpaceBetween>
        </Modal>
      )}
    </SpaceBetween>
  );
}

interface StartInput {
  by: 'users' | 'filter';
  users: string;
  site: string;
  domain: string;
  lineUriPrefix: string;
  providerId: string;
  grantPolicy: string;
  waveSize: string;
}
const EMPTY_START: StartInput = {
  by: 'users',
  users: '',
  site: '',
  domain: '',
  lineUriPrefix: '',
  providerId: '',
  grantPolicy: '',
  waveSize: '50',
};

/** What a dry run answers: the migration it would create, with its waves of users. */
interface StartPreview {
  dryRun: true;
  changes: { after: { userCount?: number; waveCount?: number; waves?: string[][] } | null }[];
  warnings: string[];
}

/** The body POST /migrations takes: users one per line, or a filter; empty fields left out. */
function startBody(input: StartInput) {
  const optional = (key: string, value: string) => (value.trim() === '' ? {} : { [key]: value.trim() });
  return {
    ...(input.by === 'users'
      ? {
          users: input.users
            .split('\n')
            .map((line) => line.trim())
            .filter((line) => line !== ''),
        }
      : {
          filter: {
            ...optional('site', input.site),
            ...optional('domain', input.domain),
            ...optional('lineUriPrefix', input.lineUriPrefix),
          },
        }),
    providerId: input.providerId.trim(),
    ...optional('grantPolicy', input.grantPolicy),
    // Not a number: sent as typed, so the API's refusal names the field.
    ...(input.waveSize.trim() === '' ? {} : { waveSize: /^[0-9]+$/.test(input.waveSize.trim()) ? Number(input.waveSize) : input.waveSize }),
  };
}

/** Start migration: a dry run first (what would happen), then Start with the same input. */
function StartMigrationModal({ onClose, onStarted }: { onClose: () => void; onStarted: (id: string) => void }) {
  const { api, tenant } = useSession();
  const queries = useQueryClient();
  const [input, setInput] = useState<StartInput>(EMPTY_START);
  const [preview, setPreview] = useState<StartPreview | null>(null);
  // One key per input: Start pressed again after a lost answer starts nothing twice.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const change = (patch: Partial<StartInput>) => {
    setInput({ ...input, ...patch });
    setPreview(null);
    setIdempotencyKey(crypto.randomUUID());
  };
  const call = (dryRun: boolean) =>
    expectOk(
      api.POST(BASE, {
        params: {
          path: { tenant: tenant! },
          query: { dryRun: dryRun ? 'true' : 'false' },
          ...(dryRun ? {} : { header: { 'Idempotency-Key': idempotencyKey } }),
        },
        // What the person typed, even where the schema wants a number: the API's refusal then names the field.
        body: startBody(input) as never,
      }),
    );
  const dryRun = useMutation({
    // eslint-disable-next-line no-restricted-syntax -- a dry run answers 200 with the plan; the document describes the 201 only
    mutationFn: async () => setPreview((await call(true)) as unknown as StartPreview),
  });
  const start = useMutation({
    mutationFn: () => call(false),
    onSuccess: async (migration) => {
      await queries.invalidateQueries({ queryKey: ['migrations', tenant] });
      await queries.invalidateQueries({ queryKey: ['summary', tenant] });
      onStarted(migration.id);
    },
  });
  const error = start.error ?? dryRun.error;
  const problem = problemOf(error);
  const fielded = ['users', 'filter', 'providerId', 'grantPolicy', 'waveSize'];
  const unplaced = problem !== null && !(problem.errors ?? []).some((issue) => fielded.some((field) => issue.field.startsWith(field)));
  const after = preview?.changes[0]?.after ?? null;

  return (
    <Modal
      closeAriaLabel="Close"
      visible
      size="large"
      onDismiss={onClose}
      header="Start migration"
      footer={
        <DialogFooter onCancel={onClose}>
          <Button onClick={() => dryRun.mutate()} loading={dryRun.isPending}>
            Dry run
          </Button>
          <Button variant="primary" disabled={preview === null} loading={start.isPending} onClick={() => start.mutate()}>
            Start
          </Button>
        </DialogFooter>
      }
    >
      <Form>
        <SpaceBetween size="m">
          <FormField label="Users to migrate">
            <RadioGroup
              ariaLabel="Users to migrate"
              value={input.by}
              onChange={(event) => change({ by: event.detail.value as StartInput['by'] })}
              items={[
                { value: 'users', label: 'These users (SIP addresses)' },
                { value: 'filter', label: 'Users a filter selects (site, SIP domain, line URI prefix)' },
              ]}
            />
          </FormField>
          {input.by === 'users' ? (
            <FormField label="SIP addresses" description="One per line" errorText={fieldError(problem, 'users')}>
              <Textarea
                ariaLabel="SIP addresses"
                rows={6}
                value={input.users}
                placeholder={'sip:alice@contoso.com\nsip:bob@contoso.com'}
                onChange={(event) => change({ users: event.detail.value })}
              />
            </FormField>
          ) : (
            <FormField label="Filter" description="Combined with AND" errorText={fieldError(problem, 'filter')}>
              <SpaceBetween size="xs">
                <FormField label="Site">
                  <Input ariaLabel="Site" value={input.site} onChange={(event) => change({ site: event.detail.value })} />
                </FormField>
                <FormField label="SIP domain">
                  <Input
                    ariaLabel="SIP domain"
                    value={input.domain}
                    placeholder="contoso.com"
                    onChange={(event) => change({ domain: event.detail.value })}
                  />
                </FormField>
                <FormField label="Line URI prefix">
                  <Input
                    ariaLabel="Line URI prefix"
                    value={input.lineUriPrefix}
                    placeholder="tel:+1425"
                    onChange={(event) => change({ lineUriPrefix: event.detail.value })}
                  />
                </FormField>
              </SpaceBetween>
            </FormField>
          )}
          <FormField label="Hosting provider" errorText={fieldError(problem, 'providerId')}>
            <Input
              ariaLabel="Hosting provider"
              value={input.providerId}
              placeholder="exo"
              onChange={(event) => change({ providerId: event.detail.value })}
            />
          </FormField>
          <FormField
            label="Grant policy (optional)"
            description="A hosted voicemail policy tag granted to each user when requested"
            errorText={fieldError(problem, 'grantPolicy')}
          >
            <Input ariaLabel="Grant policy" value={input.grantPolicy} onChange={(event) => change({ grantPolicy: event.detail.value })} />
          </FormField>
          <FormField label="Wave size" description="Users requested at once (1 to 1000)" errorText={fieldError(problem, 'waveSize')}>
            <Input
              ariaLabel="Wave size"
              inputMode="numeric"
              value={input.waveSize}
              onChange={(event) => change({ waveSize: event.detail.value })}
            />
          </FormField>
          {unplaced ? <ProblemAlert error={error} /> : null}
          {preview === null ? (
            <StatusIndicator type="info">Run a dry run first: it shows what would happen, then Start.</StatusIndicator>
          ) : (
            <SpaceBetween size="s">
              {preview.warnings.map((warning) => (
                <Alert key={warning} type="warning">
                  {warning}
                </Alert>
              ))}
              {after === null ? (
                <Box data-testid="start-preview">Nothing new would start.</Box>
              ) : (
                <>
                  <Box variant="h4">
                    <span data-testid="start-preview">
                      Would migrate {after.userCount} user{after.userCount === 1 ? '' : 's'} in {after.waveCount} wave
                      {after.waveCount === 1 ? '' : 's'}
                    </span>
                  </Box>
                  <Table
                    variant="embedded"
                    ariaLabels={{ tableLabel: 'Waves' }}
                    items={(after.waves ?? []).map((users, index) => ({ wave: index + 1, users }))}
                    columnDefinitions={[
                      { id: 'wave', header: 'Wave', cell: (row) => row.wave },
                      { id: 'users', header: 'Users', cell: (row) => row.users.join(', ') },
                    ]}
                    wrapLines
                  />
                </>
              )}
            </SpaceBetween>
          )}
        </SpaceBetween>
      </Form>
    </Modal>
  );
}
