// Every route of the route table, fuzzed with property-based bad input generated from its own
// schemas and broken on purpose, then with abused headers and framing: never a 5xx, the server
// keeps answering, refusals are problem+json naming the field, and a refused request writes nothing.
// A failure prints fast-check's seed; FUZZ_SEED=<seed> runs the whole file with it again.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../lib/api/api-routes.js';
import type { AnyRoute } from '../../lib/api/route.js';
import type { Role } from '../../lib/domain/credential.js';
import { bodiesFor, jsonSchemaOf, pathsFor, queriesFor, transportFor, type Body, type JsonSchema } from '../support/fuzz-arbitraries.js';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { sendRaw, type RawAnswer, type RawRequest } from '../support/raw-http.js';
import { OPERATOR_TOKEN, useTestService, type ApiClient } from '../support/service.js';

if (process.env.FUZZ_SEED !== undefined) fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED) });

const T = '/v1/tenants/contoso';
const tokens: Partial<Record<Role, string>> = { operator: OPERATOR_TOKEN };
const examples: Record<string, string[]> = {
  tenant: ['contoso'],
  sipUri: ['sip:alice@contoso.com', 'sip:sa@contoso.com', 'sip:new@contoso.com'],
  users: ['sip:alice@contoso.com', 'sip:bob@contoso.com'],
  target: ['sip:alice@contoso.com', 'tel:+14255550100', '+14255550100'],
  id: ['exo', 'global', 'tag:ExOnline', 'dp.contoso.com', 'site:Redmond'],
  providerId: ['exo'],
  domains: ['contoso.com', 'contoso.net'],
  ...Object.fromEntries(
    ['proxyFqdn', 'destination', 'organizations', 'registrarPool', 'dialPlan', 'onPremisesDialPlan', 'fqdn', 'domain'].map((field) => [
      field,
      ['exap.um.outlook.com', 'dp.contoso.com'],
    ]),
  ),
  lineUri: ['tel:+14255550100'],
  displayNumber: ['+14255550199'],
  autoAttendantNumber: ['+14255550123'],
  subscriberAccessNumber: ['+14255550124'],
  nextHop: ['sip:edge.contoso.com:5061'],
  hostedVoicemailPolicy: ['ExOnline'],
  grantPolicy: ['ExOnline'],
};

/** Offboarding is fuzzed on a tenant of its own: a valid request removes it, and the other routes need contoso. */
const OFFBOARDED = 'offboarded';
const examplesFor = (route: AnyRoute) =>
  route.method === 'DELETE' && route.path === '/v1/tenants/{tenant}' ? { ...examples, tenant: [OFFBOARDED] } : examples;

const context = useTestService(async (api) => {
  await createTenant(api, 'contoso');
  await createTenant(api, OFFBOARDED);
  await setUpHostedProvider(api, 'contoso');
  await expectCreated(api.post(`${T}/dial-plans`, { id: 'dp.contoso.com', uriType: 'e164', voipSecurity: 'secured' }));
  await expectCreated(api.post(`${T}/rerouting`, { id: 'global' }));
  await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:alice@contoso.com', hostedVoicemailPolicy: 'ExOnline' }));
  await expectCreated(api.post(`${T}/users`, { sipUri: 'sip:bob@contoso.com' }));
  await expectCreated(api.post(`${T}/contacts`, { sipUri: 'sip:sa@contoso.com' }));
  for (const role of ['server-admin', 'user-admin', 'reader', 'gateway', 'provider'] as const) {
    const credential = await expectCreated(
      api.post(`${T}/credentials`, { role, name: role, ...(role === 'provider' ? { providerId: 'exo' } : {}) }),
    );
    tokens[role] = credential.token;
  }
  examples.credentialId = [(await expectCreated(api.post(`${T}/credentials`, { role: 'reader', name: 'target' }))).id];
  examples.migrationId = [
    (await expectCreated(api.post(`${T}/migrations`, { users: ['sip:bob@contoso.com'], providerId: 'exo', grantPolicy: 'ExOnline' }))).id,
  ];
  examples.cursor = await issuedCursors(api);
});

/** A cursor from every listing that has a second page, for the fuzz to tamper with. */
async function issuedCursors(api: ApiClient): Promise<string[]> {
  const listings = apiRoutes.filter((route) => route.method === 'GET' && 'cursor' in (jsonSchemaOf(route.query).properties ?? {}));
  const cursors: string[] = [];
  for (const route of listings) {
    const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(examples[name]?.[0] ?? ''));
    const page = await api.get(`${path}?limit=1`);
    if (typeof page.body?.nextCursor === 'string') cursors.push(page.body.nextCursor);
  }
  return cursors;
}

/** The table as last seen: a refused request must leave it exactly so. */
let table: string;
beforeAll(async () => {
  table = await context.service.snapshot();
});

const tokenFor = (route: AnyRoute) => fc.constantFrom(...route.roles.map((role) => tokens[role] ?? OPERATOR_TOKEN));

/** Node's HTTP parser refuses some framing before our code runs: a bare 400 or 431, and the connection closed. */
const isParserRefusal = (answer: RawAnswer) =>
  (answer.status === 400 || answer.status === 431) && answer.headers['content-type'] === undefined && answer.text === '';

function expectProblem(answer: RawAnswer): void {
  expect(answer.headers['content-type'], answer.text).toBe('application/problem+json');
  const problem = JSON.parse(answer.text) as { status: number; code: string; errors: { field: unknown; rule: unknown }[] };
  expect(problem.status).toBe(answer.status);
  expect(problem.code).toEqual(expect.any(String));
  if (answer.status !== 400) return;
  expect(problem.errors.length, answer.text).toBeGreaterThan(0);
  for (const issue of problem.errors)
    expect(issue, answer.text).toEqual(expect.objectContaining({ field: expect.any(String), rule: expect.any(String) }));
}

/** The property every answer keeps, whatever was sent. */
async function expectHarmless(answer: RawAnswer | undefined, { mayCloseSilently = false } = {}): Promise<void> {
  if (answer === undefined) expect(mayCloseSilently, 'the server closed the connection without an answer').toBe(true);
  else {
    expect(answer.status, answer.text).toBeLessThan(500);
    if (answer.status >= 400 && !isParserRefusal(answer)) expectProblem(answer);
  }
  const now = await context.service.snapshot();
  if (answer === undefined || answer.status >= 400) expect(now, `${answer?.status ?? 'no answer'} ${answer?.text ?? ''}`).toBe(table);
  table = now;
}

async function expectStillServing(): Promise<void> {
  expect((await context.api.get(T)).status).toBe(200);
}

const emptyObject: JsonSchema = { type: 'object', properties: {} };

/** Each part of a request to the route, valid-ish and broken, generated from the route's schemas. */
function partsOf(route: AnyRoute) {
  const routeExamples = examplesFor(route);
  return {
    path: pathsFor(route.path, jsonSchemaOf(route.params), routeExamples),
    query: queriesFor(jsonSchemaOf(route.query), routeExamples),
    body: bodiesFor(route.body === undefined ? emptyObject : jsonSchemaOf(route.body), routeExamples),
  };
}

/** A request with at most one part broken, so that the others get far enough for it to matter. */
function inputFor(route: AnyRoute) {
  const { path, query, body } = partsOf(route);
  return fc.constantFrom('path', 'query', 'body', 'nothing').chain((broken) =>
    fc.record({
      broken: fc.constant(broken),
      target: fc
        .tuple(broken === 'path' ? path.broken : path.valid, broken === 'query' ? query.broken : query.valid)
        .map(([p, q]) => `${p}${q}`),
      body: broken === 'body' ? body.broken : body.valid,
      token: tokenFor(route),
      ifMatch: fc.constantFrom(undefined, '*'),
    }),
  );
}

const requestOf = (
  route: AnyRoute,
  { target, body, token, ifMatch }: { target: string; body: Body; token: string; ifMatch: string | undefined },
): RawRequest => ({
  method: route.method,
  target,
  headers: [
    ['Authorization', `Bearer ${token}`],
    ['Content-Type', 'application/json'],
    ...(ifMatch === undefined ? [] : [['If-Match', ifMatch] as const]),
  ],
  body: body.bytes,
});

/** A valid-ish request to the route, wrapped in abused headers and framing. */
function abusedInputFor(route: AnyRoute) {
  const { path, query, body } = partsOf(route);
  return fc
    .tuple(path.valid, query.valid, body.valid, tokenFor(route))
    .chain(([p, q, sent, token]) =>
      transportFor(token, sent.bytes.length).map((transport) => ({ target: `${p}${q}`, body: sent, transport })),
    );
}

describe.each(apiRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))('fuzzing %s', (_name, route) => {
  it('input from its schemas, broken on purpose: never 5xx, refusals name the field and write nothing', async () => {
    await fc.assert(
      fc.asyncProperty(inputFor(route), async (input) => expectHarmless(await sendRaw(context.service.url, requestOf(route, input)))),
      { numRuns: 35 },
    );
    await expectStillServing();
  });

  it('abused headers and framing: never 5xx, refusals are problems and write nothing', async () => {
    await fc.assert(
      fc.asyncProperty(abusedInputFor(route), async ({ target, body, transport }) => {
        const request = { method: route.method, target, body: body.bytes, headers: transport.headers, framing: transport.framing };
        await expectHarmless(await sendRaw(context.service.url, request, { halfClose: transport.halfClose }), {
          mayCloseSilently: transport.halfClose,
        });
      }),
      { numRuns: 12 },
    );
    await expectStillServing();
  });
});

it('leaves Object.prototype unpolluted', () => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
