// Requests for the fuzz suite (test/integration/fuzz.test.ts): path, query and body shaped by a
// route's own zod schemas (walked through their JSON Schema), then broken on purpose: wrong
// types, nulls, huge strings and arrays, deep nesting, invalid UTF-8, prototype keys, abused headers.
import fc from 'fast-check';
import * as z from 'zod';
import type { Framing } from './raw-http.js';

/** The part of JSON Schema that z.toJSONSchema produces for our schemas. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
}

/**
 * Known-good strings by field name. Most of our strings are checked by parsers (SIP addresses,
 * numbers, FQDNs) that no pattern describes, so random strings alone would never get past zod.
 */
export type Examples = Readonly<Record<string, readonly string[]>>;

export const jsonSchemaOf = (schema: z.ZodType): JsonSchema =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

// --- valid-ish values ------------------------------------------------------------------------

function stringOf(schema: JsonSchema, examples: readonly string[] | undefined): fc.Arbitrary<string> {
  const generated =
    schema.format === 'uri'
      ? fc.webUrl()
      : schema.format === 'date-time'
        ? fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('2100-01-01') }).map((date) => date.toISOString())
        : schema.pattern !== undefined
          ? fc.stringMatching(new RegExp(schema.pattern))
          : fc.string({ unit: 'binary', minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 32, 32) });
  return examples === undefined
    ? generated
    : fc.oneof({ arbitrary: fc.constantFrom(...examples), weight: 3 }, { arbitrary: generated, weight: 1 });
}

function objectOf(schema: JsonSchema, examples: Examples): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.entries(schema.properties ?? {}).map(([key, property]) => [key, validish(property, examples, key)] as const);
  const record = fc.record(Object.fromEntries(fields), { requiredKeys: schema.required ?? [] }) as fc.Arbitrary<Record<string, unknown>>;
  if (typeof schema.additionalProperties !== 'object') return record;
  const extra = fc.dictionary(fc.string({ maxLength: 8 }), validish(schema.additionalProperties, examples), { maxKeys: 3 });
  return fc.tuple(record, extra).map(([known, more]) => ({ ...more, ...known }));
}

/** A value the schema would mostly accept: the right shapes and types, example strings where the field has them. */
function validish(schema: JsonSchema, examples: Examples, field?: string): fc.Arbitrary<unknown> {
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.anyOf !== undefined) return fc.oneof(...schema.anyOf.map((option) => validish(option, examples, field)));
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((type) => validish({ ...schema, type }, examples, field)));
  switch (schema.type) {
    case 'object':
      return objectOf(schema, examples);
    case 'array':
      return fc.array(validish(schema.items ?? {}, examples, field), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)),
      });
    case 'string':
      return stringOf(schema, field === undefined ? undefined : examples[field]);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

// --- editing JSON values ---------------------------------------------------------------------

interface Field {
  /** Dotted path; '' is the whole body. */
  path: string;
  schema: JsonSchema;
}

const objectShape = (schema: JsonSchema): JsonSchema | undefined =>
  schema.type === 'object' ? schema : schema.anyOf?.find((option) => option.type === 'object');

/** Every field a schema names, nested objects and the first item of arrays of objects included. */
function fieldsOf(schema: JsonSchema, prefix = ''): Field[] {
  return Object.entries(objectShape(schema)?.properties ?? {}).flatMap(([key, property]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const items =
      property.type === 'array' && property.items !== undefined && objectShape(property.items) !== undefined
        ? fieldsOf(property.items, `${path}.0`)
        : [];
    return [{ path, schema: property }, ...fieldsOf(property, path), ...items];
  });
}

const isContainer = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** A copy of `value` with `path` set (own properties, so `__proto__` is a key like any other). */
function setAt(value: unknown, path: string, replacement: unknown): unknown {
  if (path === '') return replacement;
  const root = isContainer(value) ? structuredClone(value) : {};
  const keys = path.split('.');
  let node = root;
  keys.forEach((key, index) => {
    const next =
      index === keys.length - 1 ? replacement : isContainer(node[key]) ? node[key] : /^\d+$/.test(keys[index + 1] ?? '') ? [] : {};
    Object.defineProperty(node, key, { value: next, enumerable: true, writable: true, configurable: true });
    node = next as Record<string, unknown>;
  });
  return root;
}

function removeAt(value: unknown, path: string): unknown {
  const root = structuredClone(value);
  const keys = path.split('.');
  const parent = keys.slice(0, -1).reduce<unknown>((node, key) => (isContainer(node) ? node[key] : undefined), root);
  if (isContainer(parent)) delete parent[keys.at(-1) ?? ''];
  return root;
}

const mapLeaves = (value: unknown, map: (leaf: unknown) => unknown): unknown =>
  Array.isArray(value)
    ? value.map((item) => mapLeaves(item, map))
    : isContainer(value)
      ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapLeaves(item, map)]))
      : map(value);

// --- bodies ----------------------------------------------------------------------------------

/** Valid-ish values for one part of a request, and the same broken on purpose. */
export interface Variants<T> {
  valid: fc.Arbitrary<T>;
  broken: fc.Arbitrary<T>;
}

/** A body as sent; fast-check reports its label and first bytes, not 100 kB of them. */
export interface Body {
  bytes: Buffer;
  [fc.toStringMethod]: () => string;
}

const body = (label: string, content: Buffer | string): Body => {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  return { bytes, [fc.toStringMethod]: () => `${label} (${bytes.length} bytes): ${bytes.subarray(0, 120).toString('latin1')}` };
};

const json = (label: string, value: unknown) => body(label, JSON.stringify(value) ?? '');

const MARKER = 'fuzz-raw-value-marker';

/** The JSON text of `value` with the field at `path` replaced by raw bytes (which need not be JSON, nor UTF-8). */
function withRawAt(value: unknown, path: string, raw: Buffer): Buffer {
  const [before = '', after = ''] = JSON.stringify(setAt(value, path, MARKER)).split(JSON.stringify(MARKER));
  return Buffer.concat([Buffer.from(before), raw, Buffer.from(after)]);
}

const deepNesting = (depth: number, kind: 'array' | 'object'): string =>
  kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

const INVALID_UTF8: readonly number[][] = [
  [0xff],
  [0xfe, 0xff],
  [0xc3, 0x28],
  [0xc0, 0xaf],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x80],
];

const PROTOTYPE_KEYS = '"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}';

/** The body's JSON object with prototype-pollution keys beside its own fields. */
function withPrototypeKeys(value: unknown): string {
  const inner = JSON.stringify(value).slice(1, -1);
  return `{${[PROTOTYPE_KEYS, inner].filter((part) => part !== '').join(',')}}`;
}

const wrongValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
  fc.constantFrom<unknown>(1e308, -1, 0, Number.MAX_SAFE_INTEGER + 2, '', ' ', '\u0000', '\ud800', 'true', '1', [], {}),
);

const unknownKey = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', ''),
);

/** Sizes that cross field maxima, the 64 KiB body limit, and the local server's 1 MiB read limit. */
const hugeLength = (field: JsonSchema) => fc.constantFrom(...[(field.maxLength ?? 512) + 1, 70_000, 100_000, 1_100_000]);
const hugeCount = (field: JsonSchema) => fc.constantFrom(...[(field.maxItems ?? 100) + 1, 5_000, 40_000]);

/** Bodies for a route: the schema's shape, or that shape with one thing broken, or no JSON at all. */
export function bodiesFor(schema: JsonSchema, examples: Examples): Variants<Body> {
  const valid = validish(schema, examples);
  const fields = fieldsOf(schema);
  const whole: Field = { path: '', schema };
  const field = fc.constantFrom(...(fields.length > 0 ? fields : [whole]));
  const anywhere = fc.constantFrom(whole, ...fields);
  const broken = fc.oneof(
    fc.tuple(valid, field, wrongValue).map(([value, at, wrong]) => json(`wrong type at ${at.path}`, setAt(value, at.path, wrong))),
    fc.tuple(valid, field).map(([value, at]) => json(`${at.path} missing`, removeAt(value, at.path))),
    fc
      .tuple(valid, anywhere, unknownKey, fc.jsonValue({ maxDepth: 1 }))
      .map(([value, at, key, extra]) =>
        json(`unknown field "${key}" at ${at.path}`, setAt(value, at.path === '' ? key : `${at.path}.${key}`, extra)),
      ),
    valid.map((value) =>
      json(
        'null everywhere',
        mapLeaves(value, () => null),
      ),
    ),
    valid.map((value) =>
      json(
        'numbers and booleans as strings',
        mapLeaves(value, (leaf) => (typeof leaf === 'number' || typeof leaf === 'boolean' ? String(leaf) : leaf)),
      ),
    ),
    fc
      .tuple(valid, field)
      .chain(([value, at]) =>
        hugeLength(at.schema).map((length) => json(`${length} characters at ${at.path}`, setAt(value, at.path, 'x'.repeat(length)))),
      ),
    fc.tuple(valid, field, fc.constantFrom<unknown>(0, null, 'sip:alice@contoso.com')).chain(([value, at, item]) =>
      hugeCount(at.schema).map((count) =>
        json(
          `${count} items at ${at.path}`,
          setAt(
            value,
            at.path,
            Array.from({ length: count }, () => item),
          ),
        ),
      ),
    ),
    fc
      .tuple(valid, anywhere, fc.constantFrom(40, 10_000, 30_000), fc.constantFrom('array' as const, 'object' as const))
      .map(([value, at, depth, kind]) =>
        body(`${depth} levels of ${kind}s at ${at.path}`, withRawAt(value, at.path, Buffer.from(deepNesting(depth, kind)))),
      ),
    fc
      .tuple(valid, anywhere, fc.constantFrom(...INVALID_UTF8), fc.boolean())
      .map(([value, at, bytes, quoted]) =>
        body(
          `invalid UTF-8 ${Buffer.from(bytes).toString('hex')} at ${at.path}`,
          withRawAt(
            value,
            at.path,
            Buffer.concat(quoted ? [Buffer.from('"a'), Buffer.from(bytes), Buffer.from('b"')] : [Buffer.from(bytes)]),
          ),
        ),
      ),
    fc
      .tuple(valid, field)
      .map(([value, at]) => body(`prototype keys at ${at.path}`, withRawAt(value, at.path, Buffer.from(`{${PROTOTYPE_KEYS}}`)))),
    valid.map((value) => body('prototype keys beside the fields', withPrototypeKeys(value))),
    fc.jsonValue().map((value) => json('any JSON', value)),
    fc.tuple(valid, fc.nat()).map(([value, cut]) => {
      const text = JSON.stringify(value);
      return body('truncated JSON', text.slice(0, cut % Math.max(text.length, 1)));
    }),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => body('random bytes', Buffer.from(bytes))),
  );
  return { valid: valid.map((value) => json('valid-ish', value)), broken };
}

// --- query strings ---------------------------------------------------------------------------

const encodeQuery = (entries: readonly (readonly [string, string])[]): string =>
  entries.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&');

const wrongQueryValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.constantFrom('', 'TRUE', '1', '0', '-1', '501', '1e2', '0x10', ' 5', 'null', '[]', '{}', 'x'.repeat(5_000)),
);

/** Written into the query string as is: bad percent-encoding, raw bytes, prototype keys, a request line past Node's header limit. */
const RAW_QUERY_ABUSE = [
  '%',
  '%zz',
  'limit=%FF',
  'cursor=%E0%A4%A',
  'dryRun=%C0%AF',
  '\u00ff=\u00fe',
  '__proto__=1',
  '__proto__[polluted]=1',
  'constructor=x',
  'dryRun',
  '=',
  '&&&',
  'limit=1&limit=2',
  `limit=${'9'.repeat(5_000)}`,
  `x=${'y'.repeat(20_000)}`,
];

type CursorEdit = (fields: Record<string, unknown>, key: string) => void;

/** A cursor the service issued (base64url of its JSON), tampered with: a key dropped, emptied, changed or added. */
function forgedCursor(issued: readonly string[]): fc.Arbitrary<string> {
  const edit = fc.oneof(
    fc.constant<CursorEdit>((fields, key) => {
      delete fields[key];
    }),
    fc.constantFrom<unknown>('', ' ', 'x', 0, null, 'T#other#CONFIG').map((value): CursorEdit => (fields, key) => {
      fields[key] = value;
    }),
    fc.constant<CursorEdit>((fields) => {
      fields.gsi1sk = 'x';
    }),
  );
  return fc.tuple(fc.constantFrom(...issued), fc.nat(), edit).map(([cursor, pick, apply]) => {
    const text = Buffer.from(cursor, 'base64url').toString('utf8');
    // The small configuration lists page by id, not by a stored key: their cursors are no JSON.
    const fields = (text.startsWith('{') ? JSON.parse(text) : { id: text }) as Record<string, unknown>;
    const names = Object.keys(fields);
    apply(fields, names[pick % names.length] ?? 'pk');
    return Buffer.from(JSON.stringify(fields)).toString('base64url');
  });
}

const withQuestionMark = (query: string) => (query === '' ? '' : `?${query}`);

/** Query strings ('' or '?...') for a route: valid-ish parameters, or one of them broken. */
export function queriesFor(schema: JsonSchema, examples: Examples): Variants<string> {
  const valid = validish(schema, examples) as fc.Arbitrary<Record<string, string>>;
  const names = Object.keys(schema.properties ?? {});
  const name = fc.constantFrom(...(names.length > 0 ? names : ['limit']));
  const issuedCursors = names.includes('cursor') ? (examples.cursor ?? []) : [];
  const broken = fc.oneof(
    fc.tuple(valid, name, wrongQueryValue).map(([params, key, value]) => encodeQuery(Object.entries({ ...params, [key]: value }))),
    fc
      .tuple(valid, unknownKey, fc.string({ maxLength: 8 }))
      .map(([params, key, value]) => encodeQuery([...Object.entries(params), [key, value]])),
    fc
      .tuple(valid, fc.constantFrom(...RAW_QUERY_ABUSE))
      .map(([params, raw]) => [encodeQuery(Object.entries(params)), raw].filter((part) => part !== '').join('&')),
    ...(issuedCursors.length === 0
      ? []
      : [fc.tuple(valid, forgedCursor(issuedCursors)).map(([params, cursor]) => encodeQuery(Object.entries({ ...params, cursor })))]),
  );
  return { valid: valid.map((params) => withQuestionMark(encodeQuery(Object.entries(params)))), broken: broken.map(withQuestionMark) };
}

// --- paths -----------------------------------------------------------------------------------

/** Path segments written as is: percent-encoding abuse, raw bytes (sent as latin1), dot segments, sizes past every limit. */
const RAW_SEGMENT_ABUSE = [
  '%',
  '%zz',
  '%E0%A4%A',
  '%FF',
  '%C0%AF',
  '%ED%A0%80',
  '%00',
  '%2F',
  '%252F',
  '%2e%2e',
  '..',
  '.',
  '\u00ff\u00fe',
  '\u00c3\u00a9',
  'sip:alice@contoso.com',
  'sip%3Aalice%40contoso.com%00',
  'a'.repeat(5_000),
  'a'.repeat(100_000),
];

/** Request targets in other forms than a path (RFC 9112, section 3.2), some of them not URLs at all. */
const ODD_TARGET_FORMS = [
  'http://localhost{path}',
  'https://other.example{path}',
  '//{path}',
  '//[{path}',
  'http://[::1{path}',
  'http://user:pass@localhost:99999{path}',
  '*',
  '{path}\u00ff',
];

/** Concrete request paths for a route template: its parameters valid-ish, or one abused, or the path stretched or in another form. */
export function pathsFor(template: string, schema: JsonSchema, examples: Examples): Variants<string> {
  const names = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '');
  const validSegment = (name: string) =>
    validish(schema.properties?.[name] ?? {}, examples, name).map((value) => encodeURIComponent(String(value)));
  const fill = (values: string[]) => values.reduce((path, value, index) => path.replace(`{${names[index]}}`, value), template);
  const valid = fc.tuple(...names.map(validSegment)).map(fill);
  const abusedSegment = fc
    .tuple(fc.tuple(...names.map(validSegment)), fc.nat(), fc.constantFrom(...RAW_SEGMENT_ABUSE))
    .map(([values, pick, abuse]) => fill(values.map((value, index) => (index === pick % values.length ? abuse : value))));
  const broken = fc.oneof(
    ...(names.length > 0 ? [abusedSegment] : []),
    fc
      .tuple(valid, fc.constantFrom('/', '//', '/..', '/%2e%2e', '#fragment', `/${'x/'.repeat(3_000)}`, `/${'a'.repeat(100_000)}`))
      .map(([path, suffix]) => `${path}${suffix}`),
    fc.tuple(fc.constantFrom(...ODD_TARGET_FORMS), valid).map(([form, path]) => form.replace('{path}', path)),
  );
  return { valid, broken };
}

// --- headers and framing ---------------------------------------------------------------------

export interface Transport {
  headers: [string, string][];
  framing: Framing;
  /** The client gives up mid-body: it ends its side once the declared body is not all sent. */
  halfClose: boolean;
}

const headers = (...lines: [string, string][]) => lines;

/** Abused headers and framing around a request carrying `token`. */
export function transportFor(token: string, bodyLength: number): fc.Arbitrary<Transport> {
  const authorization = fc.constantFrom(
    headers(['Authorization', `Bearer ${token}`]),
    headers(),
    headers(['Authorization', `Bearer ${token}`], ['Authorization', 'Bearer not-a-token']),
    headers(['Authorization', 'Bearer not-a-token'], ['Authorization', `Bearer ${token}`]),
    headers(['Authorization', 'Bearer ']),
    headers(['Authorization', `bearer ${token}`]),
    headers(['Authorization', `Basic ${Buffer.from(`x:${token}`).toString('base64')}`]),
    headers(['Authorization', `Bearer ${token}   `]),
    headers(['Authorization', `Bearer ${token}, Bearer ${token}`]),
    headers(['Authorization', `Bearer ${'a'.repeat(10_000)}`]),
  );
  const contentType = fc.constantFrom(
    headers(['Content-Type', 'application/json']),
    headers(),
    headers(['Content-Type', 'text/plain']),
    headers(['Content-Type', 'application/json; charset=utf-8']),
    headers(['Content-Type', 'application/json; charset=latin1']),
    headers(['Content-Type', 'application/merge-patch+json']),
    headers(['Content-Type', 'APPLICATION/JSON']),
    headers(['Content-Type', 'application/jsonx']),
    headers(['Content-Type', '']),
    headers(['Content-Type', 'text/plain'], ['Content-Type', 'application/json']),
    headers(['Content-Type', `application/json; x=${'a'.repeat(8_000)}`]),
  );
  const ifMatch = fc.constantFrom(
    headers(),
    headers(['If-Match', '*']),
    headers(['If-Match', '"1"']),
    headers(['If-Match', 'W/"1"']),
    headers(['If-Match', '"0"']),
    headers(['If-Match', '"9999999999999999"']),
    headers(['If-Match', '"99999999999999999999"']),
    headers(['If-Match', '"1", "2"']),
    headers(['If-Match', '']),
    headers(['If-Match', 'garbage']),
    headers(['If-Match', '"1"'], ['If-Match', '"2"']),
    headers(['If-Match', `"${'9'.repeat(5_000)}"`]),
  );
  const extra = fc.constantFrom(
    headers(),
    headers(['X-Filler', 'a'.repeat(20_000)]),
    Array.from({ length: 300 }, (_, index): [string, string] => [`X-Header-${index}`, 'v']),
    headers(['X-Latin1', '\u00ff\u00fe']),
    headers(['Expect', '100-continue']),
    headers(['Content-Encoding', 'gzip']),
    headers(['Content-Length', '3']),
  );
  const framing = fc.oneof(
    fc.constant<Framing>({ kind: 'length' }),
    fc.constant<Framing>({ kind: 'none' }),
    fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 5 }).map((sizes): Framing => ({ kind: 'chunked', sizes })),
    fc
      .constantFrom('0', '1', String(Math.max(bodyLength - 1, 0)), String(bodyLength + 10), '99999999999', '-1', 'abc', '1e3', ' 5', '5, 6')
      .map((declared): Framing => ({ kind: 'declared-length', declared })),
  );
  return fc.tuple(authorization, contentType, ifMatch, extra, framing).map(([auth, type, match, more, frame]) => {
    const declared = [
      ...(frame.kind === 'declared-length' ? [frame.declared] : []),
      ...more.filter(([name]) => name === 'Content-Length').map(([, value]) => value),
    ];
    return {
      headers: [...auth, ...type, ...match, ...more],
      framing: frame,
      halfClose: frame.kind !== 'chunked' && declared.some((length) => Number(length) > bodyLength),
    };
  });
}
