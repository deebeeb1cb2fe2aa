// The five routes every configuration collection has (list, create, get, change, delete), built
// from the collection's schemas and use cases. Readers read; server admins write.
import * as z from 'zod';
import { tenantId } from '../domain/fields.js';
import type * as config from '../management/tenant-configuration.js';
import { dryRunQuery, noQuery, pageQuery } from './http.js';
import { READERS, SERVER_ADMINS, itemResult, route, writeResult, type Route } from './route.js';
import { TENANT_PATH, tenantParams } from './tenant-path.js';

/** The use cases of a collection, as the routes call them. */
export type Collection = typeof config.hostingProviders;

/** In-memory pages for the small configuration collections, with the same cursor contract as the stored ones. */
function pageOf<T extends { id: string }>(items: T[], cursor: string | undefined, limit: number) {
  const after = cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
  const start = after === undefined ? 0 : items.findIndex((item) => item.id > after);
  const page = start === -1 ? [] : items.slice(start, start + limit);
  const last = page.at(-1);
  const more = start !== -1 && start + limit < items.length;
  return { items: page, nextCursor: more && last !== undefined ? Buffer.from(last.id, 'utf8').toString('base64url') : null };
}

/** The five routes of a configuration collection: list, create, get, patch, delete. */
export function collectionRoutes(options: {
  path: string;
  label: string;
  idSchema: z.ZodType<string>;
  create: z.ZodType<{ id: string }>;
  patch: z.ZodType;
  record: z.ZodType;
  filters: Record<string, z.ZodType>;
  useCases: Collection;
}): Route[] {
  const base = `${TENANT_PATH}/${options.path}`;
  const itemParams = z.strictObject({ tenant: tenantId(), id: options.idSchema });
  const listQuery = z.strictObject({ ...pageQuery, ...options.filters });
  return [
    route({
      method: 'GET',
      path: base,
      summary: `List ${options.label}s`,
      roles: READERS,
      successStatus: 200,
      params: tenantParams,
      query: listQuery,
      response: z.object({ items: z.array(options.record), nextCursor: z.string().nullable() }),
      handle: async ({ params, query }, deps) => {
        const { limit, cursor, ...filters } = query as { limit: number; cursor?: string } & Record<string, unknown>;
        const all = (await options.useCases.list(deps, params.tenant)) as { id: string }[];
        const matching = all.filter((item) =>
          Object.entries(filters).every(([key, value]) => value === undefined || (item as Record<string, unknown>)[key] === value),
        );
        return { status: 200, body: pageOf(matching, cursor, limit) };
      },
    }),
    route({
      method: 'POST',
      path: base,
      summary: `Create a ${options.label}`,
      roles: SERVER_ADMINS,
      successStatus: 201,
      params: tenantParams,
      query: dryRunQuery,
      body: options.create,
      response: options.record,
      handle: async ({ actor, params, body, write }, deps) =>
        writeResult(await options.useCases.create(deps, actor, params.tenant, body as never, write), 201),
    }),
    route({
      method: 'GET',
      path: `${base}/{id}`,
      summary: `Get a ${options.label}`,
      roles: READERS,
      successStatus: 200,
      params: itemParams,
      query: noQuery,
      response: options.record,
      handle: async ({ params }, deps) => {
        const { record, version } = await options.useCases.get(deps, params.tenant, params.id);
        return itemResult(record, version);
      },
    }),
    route({
      method: 'PATCH',
      path: `${base}/{id}`,
      summary: `Change a ${options.label}`,
      roles: SERVER_ADMINS,
      successStatus: 200,
      params: itemParams,
      query: dryRunQuery,
      body: options.patch,
      response: options.record,
      handle: async ({ actor, params, body, write }, deps) =>
        writeResult(await options.useCases.patch(deps, actor, params.tenant, params.id, body as never, write), 200),
    }),
    route({
      method: 'DELETE',
      path: `${base}/{id}`,
      summary: `Delete a ${options.label}`,
      roles: SERVER_ADMINS,
      successStatus: 204,
      params: itemParams,
      query: dryRunQuery,
      handle: async ({ actor, params, write }, deps) =>
        writeResult(await options.useCases.remove(deps, actor, params.tenant, params.id, write), 204),
    }),
  ];
}
