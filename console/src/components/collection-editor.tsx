// One editor for every collection the console writes (contacts, hosting providers, voicemail
// policies, dial plans, rerouting): a table paged with the API's cursor, a form in a modal to
// create or edit an item, and a confirmation to delete one. A small description per family says
// which fields it has, how each is entered and how a cell shows; the routes are the family's own
// typed calls. Writes carry If-Match with the version the form loaded; a refusal shows on the field
// it names (the problem document's `errors[].field`), a 412 says the item changed meanwhile.
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import Pagination from '@cloudscape-design/components/pagination';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import Textarea from '@cloudscape-design/components/textarea';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { expectOk, fieldError, type Api, type Problem } from '../api/client';
import type { paths } from '../api/schema';
import { useSession } from '../session';
import { problemOf, ProblemAlert } from './problem-alert';
import { DialogFooter } from './footers';

/** What an openapi-fetch call answers (data on success, the problem document otherwise). */
export type Call<T> = Promise<{ data?: T; error?: unknown; response: Response }>;

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;
/** The item a route answers (its GET's 200). */
export type ItemOf<P extends keyof paths> = paths[P] extends { get: { responses: { 200: infer R } } } ? Json<R> : never;
/** What a collection's POST takes. */
export type CreateBodyOf<P extends keyof paths> = paths[P] extends { post: { requestBody: infer R } } ? Json<R> : never;
/** What an item's PATCH takes. */
export type PatchBodyOf<P extends keyof paths> = paths[P] extends { patch: { requestBody: infer R } } ? Json<R> : never;

/** One page of a list: the API's `{ items, nextCursor }`. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * How a field is entered: `text` as typed, `nullable-text` empty for null, `secret` a password box
 * never filled from the item, `lines` one value a line (a string array), `json` a JSON textarea for
 * a nested part, `number` an integer.
 */
export type FieldKind = 'text' | 'nullable-text' | 'secret' | 'boolean' | 'select' | 'lines' | 'json' | 'number';

export interface FieldSpec {
  /** The field as the API names it (dotted for a nested one): refusals naming it, or under it, show on this input. */
  key: string;
  label: string;
  kind: FieldKind;
  description?: string;
  constraint?: string;
  options?: readonly string[];
  /** Given on create only (the item's id); shown read-only when editing. */
  createOnly?: boolean;
  /** A nested part's input: the family's `nestedBody` puts it in the body. */
  nested?: boolean;
}

export type FormValues = Record<string, string | boolean>;

type Body = Record<string, unknown>;

export interface Family<T extends { version: number }> {
  /** Singular, lower case: "hosting provider". */
  noun: string;
  /** Plural, for the table's header: "Hosting providers". */
  title: string;
  /** The routes as the role table names them, for `may`. */
  routes: { collection: string; item: string };
  idOf: (item: T) => string;
  columns: TableProps.ColumnDefinition<T>[];
  fields: FieldSpec[];
  /** The form's values for a new item. */
  defaults: FormValues;
  /** Form values of the nested inputs, from an item (the others come from its fields). */
  nestedForm?: (item: T) => FormValues;
  /** The body's nested parts from the form (`original` is null on create). */
  nestedBody?: (values: FormValues, original: T | null) => Body;
  list: (api: Api, tenant: string, cursor: string | undefined) => Call<Page<T>>;
  get: (api: Api, tenant: string, id: string) => Call<T>;
  create: (api: Api, tenant: string, body: Body) => Call<T>;
  update: (api: Api, tenant: string, id: string, ifMatch: string, body: Body) => Call<T>;
  remove: (api: Api, tenant: string, id: string, ifMatch: string) => Call<unknown>;
}

/** The ETag of a version, as If-Match carries it. */
export const etag = (version: number) => `"${version}"`;

/** A field's form value from the item's value. */
function formValue(field: FieldSpec, value: unknown): string | boolean {
  switch (field.kind) {
    case 'boolean':
      return value === true;
    case 'secret':
      return '';
    case 'lines':
      return Array.isArray(value) ? value.map(String).join('\n') : '';
    case 'json':
      return value === undefined || value === null ? '' : JSON.stringify(value, null, 2);
    default:
      if (value === undefined || value === null) return '';
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  }
}

/** The form's values for an item: each field's value, and the family's nested inputs. */
export function formOf<T extends { version: number }>(family: Pick<Family<T>, 'fields' | 'nestedForm'>, item: T): FormValues {
  const record: Record<string, unknown> = Object.fromEntries(Object.entries(item));
  const values: FormValues = {};
  for (const field of family.fields) if (!field.nested) values[field.key] = formValue(field, record[field.key]);
  return { ...values, ...family.nestedForm?.(item) };
}

/** A refusal found before sending (a JSON textarea that does not parse), shaped as the API's. */
class LocalRefusal extends Error {
  constructor(readonly problem: Problem) {
    super(problem.title);
  }
}

/** A field's API value from the form. */
export function apiValue(field: FieldSpec, value: string | boolean | undefined): unknown {
  if (field.kind === 'boolean') return value === true;
  const text = typeof value === 'string' ? value : '';
  switch (field.kind) {
    case 'nullable-text':
      return text.trim() === '' ? null : text.trim();
    case 'lines':
      return text
        .split(/\r?\n|,/)
        .map((line) => line.trim())
        .filter((line) => line !== '');
    case 'number':
      return text.trim() === '' ? null : Number(text);
    case 'json':
      if (text.trim() === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new LocalRefusal({
          title: 'The form has an error',
          status: 400,
          errors: [{ field: field.key, rule: 'json', message: 'Not valid JSON' }],
        });
      }
    default:
      return field.kind === 'text' ? text.trim() : text;
  }
}

/** The body to send: every field on create; on edit only what changed (a PATCH). */
export function bodyOf<T extends { version: number }>(
  family: Pick<Family<T>, 'fields' | 'nestedForm' | 'nestedBody'>,
  values: FormValues,
  original: T | null,
): Body {
  const before = original === null ? null : formOf(family, original);
  const body: Body = {};
  for (const field of family.fields) {
    if (field.nested || field.kind === 'secret') continue;
    if (original !== null && field.createOnly) continue;
    const value = apiValue(field, values[field.key]);
    if (value === undefined) continue;
    if (before !== null && JSON.stringify(apiValue(field, before[field.key])) === JSON.stringify(value)) continue;
    body[field.key] = value;
  }
  return { ...body, ...family.nestedBody?.(values, original) };
}

const belongsTo = (issueField: string, key: string) => issueField === key || issueField.startsWith(`${key}.`);

/** One input, labelled, with the refusal that names its field under it. */
export function FieldInput({
  field,
  value,
  onChange,
  problem,
  readOnly = false,
}: {
  field: FieldSpec;
  value: string | boolean | undefined;
  onChange: (value: string | boolean) => void;
  problem: Problem | null;
  readOnly?: boolean;
}) {
  const errorText = fieldError(problem, field.key);
  const text = typeof value === 'string' ? value : '';
  if (field.kind === 'boolean') {
    return (
      <FormField errorText={errorText} description={field.description}>
        <Checkbox checked={value === true} onChange={(event) => onChange(event.detail.checked)} readOnly={readOnly}>
          {field.label}
        </Checkbox>
      </FormField>
    );
  }
  let control;
  switch (field.kind) {
    case 'select': {
      const options = (field.options ?? []).map((option) => ({ label: option, value: option }));
      control = (
        <Select
          selectedOption={options.find((option) => option.value === text) ?? null}
          options={options}
          onChange={(event) => onChange(event.detail.selectedOption.value ?? '')}
          disabled={readOnly}
        />
      );
      break;
    }
    case 'lines':
    case 'json':
      control = (
        <Textarea
          value={text}
          onChange={(event) => onChange(event.detail.value)}
          rows={field.kind === 'json' ? 8 : 4}
          spellcheck={false}
          readOnly={readOnly}
        />
      );
      break;
    default:
      control = (
        <Input
          type={field.kind === 'secret' ? 'password' : field.kind === 'number' ? 'number' : 'text'}
          value={text}
          onChange={(event) => onChange(event.detail.value)}
          autoComplete={false}
          readOnly={readOnly}
        />
      );
  }
  return (
    <FormField label={field.label} description={field.description} constraintText={field.constraint} errorText={errorText}>
      {control}
    </FormField>
  );
}

/** The refusal's title, and the issues no input of the form shows (the rest show on their fields). */
export function FormProblem({
  problem,
  keys,
  noun,
  onReload,
}: {
  problem: Problem | null;
  keys: string[];
  noun: string;
  onReload: () => void;
}) {
  if (problem === null) return null;
  if (problem.status === 412) {
    return (
      <Alert
        type="warning"
        header={`This ${noun} changed since you opened it: reload`}
        action={
          <Button formAction="none" onClick={onReload}>
            Reload
          </Button>
        }
      >
        Someone else saved it after this form loaded it. Reloading shows the current values (your changes here are lost).
      </Alert>
    );
  }
  const unclaimed = (problem.errors ?? []).filter((issue) => !keys.some((key) => belongsTo(issue.field, key)));
  return <ProblemAlert error={new LocalRefusal({ ...problem, errors: unclaimed })} header={problem.title} />;
}

function ItemForm<T extends { version: number }>({
  family,
  original,
  onClose,
}: {
  family: Family<T>;
  /** The item as loaded (edit), or null (create). */
  original: T | null;
  onClose: () => void;
}) {
  const { api, tenant } = useSession();
  const queries = useQueryClient();
  const [item, setItem] = useState(original);
  const [values, setValues] = useState<FormValues>(() => (original === null ? family.defaults : formOf(family, original)));
  const [problem, setProblem] = useState<Problem | null>(null);
  const save = useMutation({
    mutationFn: () => {
      const body = bodyOf(family, values, item);
      return item === null
        ? expectOk(family.create(api, tenant!, body))
        : expectOk(family.update(api, tenant!, family.idOf(item), etag(item.version), body));
    },
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: [family.routes.collection, tenant] });
      onClose();
    },
    onError: (error) => setProblem(error instanceof LocalRefusal ? error.problem : problemOf(error)),
  });
  const reload = useMutation({
    mutationFn: () => expectOk(family.get(api, tenant!, family.idOf(item!))),
    onSuccess: (fresh) => {
      setItem(fresh);
      setValues(formOf(family, fresh));
      setProblem(null);
      void queries.invalidateQueries({ queryKey: [family.routes.collection, tenant] });
    },
    onError: (error) => setProblem(problemOf(error)),
  });
  const editing = item !== null;
  const heading = editing ? `Edit ${family.noun} ${family.idOf(item)}` : `Create ${family.noun}`;
  return (
    <Modal
      closeAriaLabel="Close"
      visible
      onDismiss={onClose}
      header={heading}
      size="large"
      footer={
        <DialogFooter onCancel={onClose}>
          <Button variant="primary" loading={save.isPending} onClick={() => save.mutate()}>
            {editing ? 'Save' : 'Create'}
          </Button>
        </DialogFooter>
      }
    >
      <form
        aria-label={heading}
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <Form>
          <SpaceBetween size="m">
            <FormProblem
              problem={problem}
              keys={family.fields.map((field) => field.key)}
              noun={family.noun}
              onReload={() => reload.mutate()}
            />
            {family.fields.map((field) => (
              <FieldInput
                key={field.key}
                field={field}
                value={values[field.key]}
                onChange={(value) => setValues((current) => ({ ...current, [field.key]: value }))}
                problem={problem}
                readOnly={editing && field.createOnly === true}
              />
            ))}
          </SpaceBetween>
        </Form>
      </form>
    </Modal>
  );
}

function DeleteConfirm<T extends { version: number }>({ family, item, onClose }: { family: Family<T>; item: T; onClose: () => void }) {
  const { api, tenant } = useSession();
  const queries = useQueryClient();
  const id = family.idOf(item);
  const remove = useMutation({
    mutationFn: () => expectOk(family.remove(api, tenant!, id, etag(item.version))),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: [family.routes.collection, tenant] });
      onClose();
    },
  });
  const problem = problemOf(remove.error);
  return (
    <Modal
      closeAriaLabel="Close"
      visible
      onDismiss={onClose}
      header={`Delete ${family.noun} ${id}`}
      footer={
        <DialogFooter onCancel={onClose}>
          <Button variant="primary" loading={remove.isPending} onClick={() => remove.mutate()} disabled={problem?.status === 412}>
            Delete
          </Button>
        </DialogFooter>
      }
    >
      <SpaceBetween size="m">
        <Box>
          Delete the {family.noun} <strong>{id}</strong> (version {item.version})? This cannot be undone.
        </Box>
        {problem?.status === 412 ? (
          <Alert type="warning" header={`This ${family.noun} changed since you opened it: reload`}>
            Close this, look at its current values, and delete it again if you still mean to.
          </Alert>
        ) : (
          <ProblemAlert error={remove.error} />
        )}
      </SpaceBetween>
    </Modal>
  );
}

/** The table of a family's items with create, edit and delete as the role may. */
export function CollectionEditor<T extends { version: number }>({ family }: { family: Family<T> }) {
  const { api, tenant, may } = useSession();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [pageIndex, setPageIndex] = useState(0);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [open, setOpen] = useState<{ action: 'create' } | { action: 'edit' | 'delete'; item: T } | null>(null);
  const cursor = cursors[pageIndex];
  const list = useQuery({
    queryKey: [family.routes.collection, tenant, cursor ?? null],
    queryFn: () => expectOk(family.list(api, tenant!, cursor)),
  });
  const canCreate = may('POST', family.routes.collection);
  const canEdit = may('PATCH', family.routes.item);
  const canDelete = may('DELETE', family.routes.item);
  const items = list.data?.items ?? [];
  const selected = items.find((item) => family.idOf(item) === selectedId) ?? null;
  const nextCursor = list.data?.nextCursor ?? null;
  const lower = family.title.toLowerCase();

  const goTo = (index: number) => {
    if (index === pageIndex + 1 && nextCursor !== null) setCursors([...cursors.slice(0, pageIndex + 1), nextCursor]);
    else if (index > pageIndex + 1 || index < 0) return;
    setPageIndex(index);
    setSelectedId(null);
  };

  return (
    <SpaceBetween size="l">
      <ProblemAlert error={list.error} />
      <Table
        variant="container"
        items={items}
        trackBy={(item) => family.idOf(item)}
        columnDefinitions={family.columns}
        loading={list.isPending}
        loadingText={`Loading ${lower}`}
        selectionType={canEdit || canDelete ? 'single' : undefined}
        selectedItems={selected === null ? [] : [selected]}
        onSelectionChange={(event) => {
          const [chosen] = event.detail.selectedItems;
          setSelectedId(chosen === undefined ? null : family.idOf(chosen));
        }}
        ariaLabels={{
          tableLabel: family.title,
          selectionGroupLabel: `${family.title}: selection`,
          allItemsSelectionLabel: () => `Select all ${lower}`,
          itemSelectionLabel: (_, item) => `Select ${family.noun} ${family.idOf(item)}`,
        }}
        header={
          <Header
            counter={list.data === undefined ? undefined : `(${items.length}${nextCursor === null ? '' : '+'})`}
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button iconName="refresh" ariaLabel={`Refresh ${lower}`} onClick={() => void list.refetch()} loading={list.isFetching} />
                {canDelete ? (
                  <Button disabled={selected === null} onClick={() => selected && setOpen({ action: 'delete', item: selected })}>
                    Delete
                  </Button>
                ) : null}
                {canEdit ? (
                  <Button disabled={selected === null} onClick={() => selected && setOpen({ action: 'edit', item: selected })}>
                    Edit
                  </Button>
                ) : null}
                {canCreate ? (
                  <Button variant="primary" onClick={() => setOpen({ action: 'create' })}>
                    Create {family.noun}
                  </Button>
                ) : null}
              </SpaceBetween>
            }
          >
            {family.title}
          </Header>
        }
        empty={
          <Box textAlign="center" color="inherit">
            <b>No {lower}</b>
            <Box variant="p" color="inherit">
              {list.error ? `The ${lower} could not be loaded.` : `This tenant has no ${lower}${pageIndex > 0 ? ' on this page' : ''}.`}
            </Box>
          </Box>
        }
        pagination={
          <Pagination
            currentPageIndex={pageIndex + 1}
            pagesCount={Math.max(cursors.length, pageIndex + 1)}
            openEnd={nextCursor !== null}
            onChange={(event) => goTo(event.detail.currentPageIndex - 1)}
            ariaLabels={{ nextPageLabel: 'Next page', previousPageLabel: 'Previous page', pageLabel: (page) => `Page ${page}` }}
          />
        }
      />
      {open?.action === 'create' ? <ItemForm family={family} original={null} onClose={() => setOpen(null)} /> : null}
      {open?.action === 'edit' ? (
        <ItemForm key={family.idOf(open.item)} family={family} original={open.item} onClose={() => setOpen(null)} />
      ) : null}
      {open?.action === 'delete' ? (
        <DeleteConfirm
          family={family}
          item={open.item}
          onClose={() => {
            setOpen(null);
            setSelectedId(null);
          }}
        />
      ) : null}
    </SpaceBetween>
  );
}
