import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiRoutes } from '../../lib/api/api-routes.js';
import { openApiDocument } from '../../bin/generate-api-docs.js';
import type { ParsedJson } from '../support/json.js';

describe('OpenAPI document', () => {
  const document = openApiDocument();

  it('lists every route with its roles and a request body schema for writes', () => {
    for (const route of apiRoutes) {
      const operation = (document.paths[route.path] as Record<string, { 'x-exum-roles': string[]; requestBody?: unknown }>)[
        route.method.toLowerCase()
      ];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation!['x-exum-roles']).toEqual(route.roles);
      expect(operation!.requestBody !== undefined).toBe(route.body !== undefined);
    }
  });

  it('describes the user body with the domain field names', () => {
    const body = (document.paths['/v1/tenants/{tenant}/users'] as ParsedJson).post.requestBody.content['application/json'].schema;
    expect(Object.keys(body.properties)).toEqual(
      expect.arrayContaining(['sipUri', 'lineUri', 'enterpriseVoiceEnabled', 'hostedVoicemail', 'onPremisesUm']),
    );
    expect(body.required).toEqual(['sipUri']);
    expect(body.additionalProperties).toBe(false);
  });

  it('is what docs/openapi.json holds (run `npm run docs:api` after changing a route)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(document)));
  });
});

describe('docs/routing.md', () => {
  it('holds the current diagnostic catalogue', async () => {
    const { withDiagnostics } = await import('../../bin/generate-api-docs.js');
    const markdown = readFileSync(new URL('../../docs/routing.md', import.meta.url), 'utf8');
    expect(withDiagnostics(markdown)).toBe(markdown);
  });
});

describe('docs/events', () => {
  it('holds the current JSON Schema of every event (run `npm run docs:api`)', async () => {
    const { eventSchemaFiles } = await import('../../bin/generate-api-docs.js');
    const files = eventSchemaFiles();
    expect(Object.keys(files)).toHaveLength(13);
    for (const [name, content] of Object.entries(files)) {
      expect(readFileSync(new URL(`../../docs/events/${name}`, import.meta.url), 'utf8'), name).toBe(content);
    }
  });
});

describe('diagnostic codes', () => {
  it('are unique and within 15000-15999', async () => {
    const { DIAGNOSTICS } = await import('../../lib/routing/diagnostics.js');
    const codes = Object.values(DIAGNOSTICS).map((diagnostic) => diagnostic.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.every((code) => code >= 15000 && code <= 15999)).toBe(true);
  });
});

describe('docs/api.md', () => {
  it('holds the current route table (run `npm run docs:api` after changing a route)', async () => {
    const { withRouteTable } = await import('../../bin/generate-api-docs.js');
    const markdown = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    expect(withRouteTable(markdown)).toBe(markdown);
  });
});

describe('docs/tenant-file.schema.json', () => {
  it("holds the tenant file's current JSON Schema (run `npm run docs:api`)", async () => {
    const { tenantFileSchemaJson } = await import('../../bin/generate-api-docs.js');
    expect(readFileSync(new URL('../../docs/tenant-file.schema.json', import.meta.url), 'utf8')).toBe(tenantFileSchemaJson());
  });

  it('describes every section with the domain field names, and refuses unknown fields', async () => {
    const schema = JSON.parse((await import('../../bin/generate-api-docs.js')).tenantFileSchemaJson());
    expect(Object.keys(schema.properties)).toEqual([
      'apiVersion',
      'kind',
      'tenant',
      'edge',
      'gatewaySettings',
      'hostingProviders',
      'voicemailPolicies',
      'dialPlans',
      'rerouting',
      'users',
      'contacts',
    ]);
    expect(schema.required).toEqual(['apiVersion', 'kind', 'tenant']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties.users.items.properties)).toEqual(
      expect.arrayContaining(['sipUri', 'lineUri', 'hostedVoicemail', 'onPremisesUm']),
    );
  });
});
