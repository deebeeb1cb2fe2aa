// Users: server-side pages (the API's cursor) with the filters that stay quick at any number of
// users (route, policy, site, SIP address prefix; the prefix is read by key), and "Set hosted
// voicemail": the admin's flag (and policy) with a dry run first, showing what would change and the
// warning when the hosting provider has set its own flag (the two authors of hostedVoicemail).
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import Pagination from '@cloudscape-design/components/pagination';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import Alert from '@cloudscape-design/components/alert';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { expectOk, fieldError } from '../api/client';
import type { paths } from '../api/schema';
import { problemOf, ProblemAlert } from '../components/problem-alert';
import { useSession } from '../session';
import { DialogFooter } from '../components/footers';

type UserListQuery = NonNullable<paths['/v1/tenants/{tenant}/users']['get']['parameters']['query']>;
type ListedUser = Awaited<ReturnType<typeof listPage>>['items'][number];

const PAGE_SIZE = 50;
const ROUTE_OPTIONS = [
  { value: '', label: 'Any route' },
  { value: 'hosted', label: 'Hosted' },
  { value: 'onPremises', label: 'On premises' },
  { value: 'notRoutable', label: 'Not routable' },
] as const;

/** Where a user's voicemail routes, from the record (as the tenant summary counts it). */
export function routeOfUser(user: Pick<ListedUser, 'enabled' | 'enterpriseVoiceEnabled' | 'hostedVoicemail' | 'onPremisesUm'>): string {
  if (!user.enabled || !user.enterpriseVoiceEnabled) return 'Not routable';
  if (user.hostedVoicemail.admin ?? user.hostedVoicemail.provider ?? false) return 'Hosted';
  return user.onPremisesUm.enabled && user.onPremisesUm.dialPlan !== null ? 'On premises' : 'Not routable';
}

async function listPage(api: ReturnType<typeof useSession>['api'], tenant: string, query: UserListQuery) {
  return expectOk(api.GET('/v1/tenants/{tenant}/users', { params: { path: { tenant }, query } }));
}

interface Filters {
  route: string;
  policy: string;
  site: string;
  prefix: string;
}
const NO_FILTERS: Filters = { route: '', policy: '', site: '', prefix: '' };

function queryOf(filters: Filters, cursor: string | null): UserListQuery {
  return {
    limit: String(PAGE_SIZE),
    ...(cursor === null ? {} : { cursor }),
    ...(filters.route === '' ? {} : { route: filters.route as UserListQuery['route'] }),
    ...(filters.policy === '' ? {} : { hostedVoicemailPolicy: filters.policy }),
    ...(filters.site === '' ? {} : { site: filters.site }),
    ...(filters.prefix === '' ? {} : { sipUriPrefix: filters.prefix }),
  };
}

export default function UsersPage() {
  const { api, tenant, may } = useSession();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  // The cursors of the pages seen so far: page n is read with cursors[n - 1] (page 1 with none).
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [pageIndex, setPageIndex] = useState(1);
  const [selected, setSelected] = useState<ListedUser | null>(null);
  const [editing, setEditing] = useState<ListedUser | null>(null);

  const page = useQuery({
    queryKey: ['users', tenant, filters, cursors[pageIndex - 1] ?? null],
    queryFn: () => listPage(api, tenant!, queryOf(filters, cursors[pageIndex - 1] ?? null)),
  });
  const nextCursor = page.data?.nextCursor ?? null;
  const mayEdit = may('PATCH', '/v1/tenants/{tenant}/users/{sipUri}');

  const apply = () => {
    setFilters(draft);
    setCursors([null]);
    setPageIndex(1);
    setSelected(null);
  };

  return (
    <ContentLayout header={<Header variant="h1">Users</Header>}>
      <SpaceBetween size="l">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            apply();
          }}
        >
          <SpaceBetween direction="horizontal" size="s" alignItems="end">
            <FormField label="Route">
              <Select
                ariaLabel="Route"
                selectedOption={ROUTE_OPTIONS.find((option) => option.value === draft.route) ?? ROUTE_OPTIONS[0]}
                options={[...ROUTE_OPTIONS]}
                onChange={(event) => setDraft({ ...draft, route: event.detail.selectedOption.value ?? '' })}
              />
            </FormField>
            <FormField label="Policy">
              <Input
                ariaLabel="Policy"
                value={draft.policy}
                placeholder="ExOnline"
                onChange={(event) => setDraft({ ...draft, policy: event.detail.value })}
              />
            </FormField>
            <FormField label="Site">
              <Input ariaLabel="Site" value={draft.site} onChange={(event) => setDraft({ ...draft, site: event.detail.value })} />
            </FormField>
            <FormField label="SIP address begins with">
              <Input
                ariaLabel="SIP address begins with"
                value={draft.prefix}
                placeholder="sip:al"
                onChange={(event) => setDraft({ ...draft, prefix: event.detail.value })}
              />
            </FormField>
            <Button formAction="submit">Filter</Button>
            <Button
              formAction="none"
              onClick={() => {
                setDraft(NO_FILTERS);
                setFilters(NO_FILTERS);
                setCursors([null]);
                setPageIndex(1);
              }}
            >
              Clear
            </Button>
          </SpaceBetween>
        </form>
        <ProblemAlert error={page.error} />
        <Table
          header={
            <Header
              variant="h2"
              actions={
                mayEdit ? (
                  <Button disabled={selected === null} onClick={() => setEditing(selected)}>
                    Set hosted voicemail
                  </Button>
                ) : undefined
              }
            >
              Users
            </Header>
          }
          ariaLabels={{
            selectionGroupLabel: 'Users',
            itemSelectionLabel: (_, user) => user.sipUri,
            tableLabel: 'Users',
          }}
          selectionType={mayEdit ? 'single' : undefined}
          selectedItems={selected === null ? [] : [selected]}
          onSelectionChange={(event) => setSelected(event.detail.selectedItems[0] ?? null)}
          trackBy="sipUri"
          loading={page.isPending}
          loadingText="Loading users"
          items={page.data?.items ?? []}
          columnDefinitions={[
            { id: 'sipUri', header: 'SIP address', cell: (user) => user.sipUri },
            { id: 'route', header: 'Route', cell: (user) => routeOfUser(user) },
            { id: 'policy', header: 'Policy', cell: (user) => user.hostedVoicemailPolicy ?? '-' },
            { id: 'site', header: 'Site', cell: (user) => user.site ?? '-' },
            { id: 'lineUri', header: 'Line URI', cell: (user) => user.lineUri ?? '-' },
            {
              id: 'flags',
              header: 'Hosted (admin / provider)',
              cell: (user) => `${flag(user.hostedVoicemail.admin)} / ${flag(user.hostedVoicemail.provider)}`,
            },
          ]}
          empty={<Box textAlign="center">No users match</Box>}
          pagination={
            <Pagination
              currentPageIndex={pageIndex}
              pagesCount={cursors.length}
              openEnd={nextCursor !== null}
              ariaLabels={{ nextPageLabel: 'Next page', previousPageLabel: 'Previous page', pageLabel: (n) => `Page ${n}` }}
              onChange={(event) => setPageIndex(event.detail.currentPageIndex)}
              onNextPageClick={(event) => {
                if (event.detail.requestedPageAvailable || nextCursor === null) return;
                setCursors([...cursors, nextCursor]);
              }}
            />
          }
        />
      </SpaceBetween>
      {editing === null ? null : <HostedVoicemailModal user={editing} onClose={() => setEditing(null)} />}
    </ContentLayout>
  );
}

const flag = (value: boolean | null) => (value === null ? '-' : value ? 'yes' : 'no');

const ADMIN_OPTIONS = [
  { value: 'true', label: 'Hosted (admin flag on)' },
  { value: 'false', label: 'Not hosted (admin flag off)' },
  { value: 'null', label: "Unset (the provider's flag decides)" },
] as const;

interface DryRun {
  dryRun: true;
  changes: { action: string; before: unknown; after: unknown }[];
  warnings: string[];
}

/** Sets the admin's hosted voicemail flag and policy: a dry run first, then the write with If-Match. */
function HostedVoicemailModal({ user, onClose }: { user: ListedUser; onClose: () => void }) {
  const { api, tenant } = useSession();
  const queries = useQueryClient();
  const [admin, setAdmin] = useState<'true' | 'false' | 'null'>(String(user.hostedVoicemail.admin) as 'true' | 'false' | 'null');
  const [policy, setPolicy] = useState(user.hostedVoicemailPolicy ?? '');
  const [preview, setPreview] = useState<DryRun | null>(null);

  const body = {
    hostedVoicemail: { admin: admin === 'null' ? null : admin === 'true' },
    hostedVoicemailPolicy: policy.trim() === '' ? null : policy.trim(),
  };
  const call = (dryRun: boolean) =>
    expectOk(
      api.PATCH('/v1/tenants/{tenant}/users/{sipUri}', {
        params: {
          path: { tenant: tenant!, sipUri: user.sipUri },
          query: { dryRun: dryRun ? 'true' : 'false' },
          header: { 'If-Match': `"${user.version}"` },
        },
        body,
      }),
    );
  // The OpenAPI document describes the write's answer; a dry run answers its plan instead (docs/api.md).
  // eslint-disable-next-line no-restricted-syntax -- the dry run's answer is not the documented record
  const dryRun = useMutation({ mutationFn: async () => setPreview((await call(true)) as unknown as DryRun) });
  const write = useMutation({
    mutationFn: () => call(false),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ['users', tenant] });
      await queries.invalidateQueries({ queryKey: ['summary', tenant] });
      onClose();
    },
  });
  const problem = problemOf(dryRun.error ?? write.error);

  return (
    <Modal
      closeAriaLabel="Close"
      visible
      onDismiss={onClose}
      header={`Set hosted voicemail: ${user.sipUri}`}
      footer={
        <DialogFooter onCancel={onClose}>
          <Button onClick={() => dryRun.mutate()} loading={dryRun.isPending}>
            Preview (dry run)
          </Button>
          <Button variant="primary" disabled={preview === null} loading={write.isPending} onClick={() => write.mutate()}>
            Apply
          </Button>
        </DialogFooter>
      }
    >
      <Form>
        <SpaceBetween size="m">
          <FormField label="Hosted voicemail (admin)" errorText={fieldError(problem, 'hostedVoicemail')}>
            <Select
              ariaLabel="Hosted voicemail (admin)"
              selectedOption={ADMIN_OPTIONS.find((option) => option.value === admin)!}
              options={[...ADMIN_OPTIONS]}
              onChange={(event) => {
                setAdmin(event.detail.selectedOption.value as 'true' | 'false' | 'null');
                setPreview(null);
              }}
            />
          </FormField>
          <FormField
            label="Hosted voicemail policy"
            description="A granted policy tag; empty for none"
            errorText={fieldError(problem, 'hostedVoicemailPolicy')}
          >
            <Input
              ariaLabel="Hosted voicemail policy"
              value={policy}
              onChange={(event) => {
                setPolicy(event.detail.value);
                setPreview(null);
              }}
            />
          </FormField>
          {/* A refusal that names neither field (412: changed since opened, 409, 503) is shown whole. */}
          {fieldError(problem, 'hostedVoicemail') === undefined && fieldError(problem, 'hostedVoicemailPolicy') === undefined ? (
            <ProblemAlert error={dryRun.error ?? write.error} />
          ) : null}
          {preview === null ? (
            <StatusIndicator type="info">Preview the change before applying it.</StatusIndicator>
          ) : (
            <SpaceBetween size="s">
              {preview.warnings.map((warning) => (
                <Alert key={warning} type="warning" header="Two authors">
                  {warning}
                </Alert>
              ))}
              <Box variant="h4">What would change</Box>
              <ChangedFields before={preview.changes[0]?.before} after={preview.changes[0]?.after} />
            </SpaceBetween>
          )}
        </SpaceBetween>
      </Form>
    </Modal>
  );
}

/** The fields a dry run would change, before and after. */
function ChangedFields({ before, after }: { before: unknown; after: unknown }) {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((key) => JSON.stringify(b[key]) !== JSON.stringify(a[key]));
  if (keys.length === 0) return <Box>Nothing would change.</Box>;
  return (
    <Table
      variant="embedded"
      ariaLabels={{ tableLabel: 'What would change' }}
      items={keys.map((key) => ({ key, before: JSON.stringify(b[key]), after: JSON.stringify(a[key]) }))}
      columnDefinitions={[
        { id: 'field', header: 'Field', cell: (row) => row.key },
        { id: 'before', header: 'Before', cell: (row) => row.before },
        { id: 'after', header: 'After', cell: (row) => row.after },
      ]}
    />
  );
}
