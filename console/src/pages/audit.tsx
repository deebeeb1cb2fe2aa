// Audit: who changed which object when (GET /v1/tenants/{tenant}/audit, newest first, paged with
// the API's cursor), filtered by object, credential and time; an entry selected shows its fields
// before and after side by side, the keys that changed highlighted.
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { expectOk, fieldError, type Api } from '../api/client';
import type { paths } from '../api/schema';
import { problemOf, ProblemAlert } from '../components/problem-alert';
import { useSession } from '../session';
import { LoadMoreFooter } from '../components/footers';

const PATH = '/v1/tenants/{tenant}/audit';
const PAGE_SIZE = 50;
type AuditQuery = NonNullable<paths[typeof PATH]['get']['parameters']['query']>;
type ObjectType = NonNullable<AuditQuery['objectType']>;

// Every type the API filters by, checked against its schema: a type the API gains is a compile error here until listed.
const LISTED: Record<ObjectType, true> = {
  tenant: true,
  edge: true,
  'gateway-settings': true,
  provider: true,
  policy: true,
  'dial-plan': true,
  rerouting: true,
  user: true,
  contact: true,
  'credential-record': true,
  'dead-letter': true,
};
const OBJECT_TYPES = Object.keys(LISTED) as ObjectType[];
const TYPE_OPTIONS = [{ value: '', label: 'Any object type' }, ...OBJECT_TYPES.map((type) => ({ value: type, label: type }))];

interface Filters {
  objectType: string;
  objectId: string;
  credentialId: string;
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { objectType: '', objectId: '', credentialId: '', from: '', to: '' };

function queryOf(filters: Filters, cursor: string | null): AuditQuery {
  const optional = (key: keyof Filters) => (filters[key].trim() === '' ? {} : { [key]: filters[key].trim() });
  return {
    limit: String(PAGE_SIZE),
    ...(cursor === null ? {} : { cursor }),
    ...(filters.objectType === '' ? {} : { objectType: filters.objectType as ObjectType }),
    ...optional('objectId'),
    ...optional('credentialId'),
    ...optional('from'),
    ...optional('to'),
  };
}

const listPage = (api: Api, tenant: string, query: AuditQuery) => expectOk(api.GET(PATH, { params: { path: { tenant }, query } }));
type AuditRecord = Awaited<ReturnType<typeof listPage>>['items'][number];

export default function AuditPage() {
  const { api, tenant } = useSession();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [selected, setSelected] = useState<AuditRecord | null>(null);
  const trail = useInfiniteQuery({
    queryKey: ['audit', tenant, filters],
    queryFn: ({ pageParam }) => listPage(api, tenant!, queryOf(filters, pageParam)),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = trail.data?.pages.flatMap((page) => page.items) ?? [];
  const problem = problemOf(trail.error);
  const queryError = (field: keyof Filters) => fieldError(problem, `query.${field}`);
  const set = (key: keyof Filters) => (event: { detail: { value: string } }) => setDraft({ ...draft, [key]: event.detail.value });

  return (
    <ContentLayout
      header={
        <Header variant="h1" description="Who changed which object when, with its fields before and after">
          Audit
        </Header>
      }
    >
      <SpaceBetween size="l">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            setFilters(draft);
            setSelected(null);
          }}
        >
          <SpaceBetween direction="horizontal" size="s" alignItems="end">
            <FormField label="Object type" errorText={queryError('objectType')}>
              <Select
                ariaLabel="Object type"
                selectedOption={TYPE_OPTIONS.find((option) => option.value === draft.objectType) ?? TYPE_OPTIONS[0]!}
                options={TYPE_OPTIONS}
                onChange={(event) => setDraft({ ...draft, objectType: event.detail.selectedOption.value ?? '' })}
              />
            </FormField>
            <FormField label="Object id" errorText={queryError('objectId')}>
              <Input ariaLabel="Object id" value={draft.objectId} placeholder="sip:alice@contoso.com" onChange={set('objectId')} />
            </FormField>
            <FormField label="Credential id" errorText={queryError('credentialId')}>
              <Input ariaLabel="Credential id" value={draft.credentialId} onChange={set('credentialId')} />
            </FormField>
            <FormField label="From" description="ISO 8601 time" errorText={queryError('from')}>
              <Input ariaLabel="From" value={draft.from} placeholder="2026-11-25T00:00:00Z" onChange={set('from')} />
            </FormField>
            <FormField label="To" description="ISO 8601 time" errorText={queryError('to')}>
              <Input ariaLabel="To" value={draft.to} placeholder="2026-11-25T23:59:59Z" onChange={set('to')} />
            </FormField>
            <Button formAction="submit">Filter</Button>
            <Button
              formAction="none"
              onClick={() => {
                setDraft(NO_FILTERS);
                setFilters(NO_FILTERS);
                setSelected(null);
              }}
            >
              Clear
            </Button>
          </SpaceBetween>
        </form>
        <ProblemAlert error={trail.error} />
        <Table
          header={
            <Header variant="h2" counter={trail.data === undefined ? undefined : `(${items.length}${trail.hasNextPage ? '+' : ''})`}>
              Audit trail
            </Header>
          }
          ariaLabels={{
            tableLabel: 'Audit trail',
            selectionGroupLabel: 'Audit entries',
            itemSelectionLabel: (_, record) => `${record.action} ${record.objectType} ${record.objectId} at ${record.at}`,
          }}
          selectionType="single"
          selectedItems={selected === null ? [] : items.filter((record) => record.id === selected.id)}
          onSelectionChange={(event) => setSelected(event.detail.selectedItems[0] ?? null)}
          trackBy="id"
          loading={trail.isPending}
          loadingText="Loading the audit trail"
          items={items}
          wrapLines
          columnDefinitions={[
            { id: 'at', header: 'When', cell: (record) => record.at },
            { id: 'action', header: 'Action', cell: (record) => record.action },
            { id: 'objectType', header: 'Object type', cell: (record) => record.objectType },
            { id: 'objectId', header: 'Object', cell: (record) => record.objectId },
            { id: 'actor', header: 'Who', cell: (record) => `${record.actor.credentialId} (${record.actor.role})` },
            { id: 'changed', header: 'Changed', cell: (record) => record.changedFields.join(', ') || '-' },
          ]}
          empty={<Box textAlign="center">No entries match</Box>}
          footer={<LoadMoreFooter list={trail} />}
        />
        {selected === null ? null : <BeforeAfter record={selected} />}
      </SpaceBetween>
    </ContentLayout>
  );
}

type Fields = Record<string, unknown> | null;

/** The keys that differ between before and after, with those the entry names as changed. */
function changedKeys(before: Fields, after: Fields, named: readonly string[]): Set<string> {
  const keys = new Set(named);
  for (const key of new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])) {
    if (JSON.stringify(before?.[key]) !== JSON.stringify(after?.[key])) keys.add(key);
  }
  return keys;
}

/** One entry: who, when, why, and the fields before and after in two columns. */
function BeforeAfter({ record }: { record: AuditRecord }) {
  const changed = changedKeys(record.before, record.after, record.changedFields);
  return (
    <Container header={<Header variant="h2">{`${record.action} ${record.objectType} ${record.objectId}`}</Header>}>
      <SpaceBetween size="m">
        <KeyValuePairs
          columns={4}
          items={[
            { label: 'When', value: record.at },
            { label: 'Who', value: `${record.actor.credentialId} (${record.actor.role})` },
            { label: 'Changed fields', value: [...changed].join(', ') || '-' },
            ...(record.reason === undefined ? [] : [{ label: 'Reason', value: record.reason }]),
          ]}
        />
        <div data-testid="before-after">
          <ColumnLayout columns={2} borders="vertical">
            <PrettyFields title="Before" testId="audit-before" fields={record.before} changed={changed} />
            <PrettyFields title="After" testId="audit-after" fields={record.after} changed={changed} />
          </ColumnLayout>
        </div>
      </SpaceBetween>
    </Container>
  );
}

const HIGHLIGHT = { background: '#fff3c4', color: '#000', display: 'block' } as const;

/** An object as indented JSON, one top-level key at a time, the changed ones marked. */
function PrettyFields({ title, testId, fields, changed }: { title: string; testId: string; fields: Fields; changed: Set<string> }) {
  const keys = Object.keys(fields ?? {}).sort();
  return (
    <section aria-label={title}>
      <Box variant="h3">{title}</Box>
      {fields === null ? (
        <Box color="text-body-secondary" data-testid={testId}>
          (none)
        </Box>
      ) : (
        <pre data-testid={testId} style={{ margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-all', fontSize: 12 }}>
          {'{'}
          {keys.map((key, index) => {
            const value = JSON.stringify(fields[key], null, 2).replace(/\n/g, '\n  ');
            const line = `  ${JSON.stringify(key)}: ${value}${index < keys.length - 1 ? ',' : ''}`;
            return changed.has(key) ? (
              <mark key={key} data-changed={key} style={HIGHLIGHT}>
                {line}
              </mark>
            ) : (
              <span key={key} style={{ display: 'block' }}>
                {line}
              </span>
            );
          })}
          {'}'}
        </pre>
      )}
    </section>
  );
}
