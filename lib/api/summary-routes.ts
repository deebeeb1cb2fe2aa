// The tenant summary: the mode the tenant is in (never stored: it follows from its users and
// contacts) and the counts behind it. Readers read it; operators can have it counted again.
import { TenantSummarySchema } from '../domain/tenant-summary.js';
import { getTenantSummary, recountTenantSummary } from '../management/tenant-summary.js';
import { dryRunQuery, noQuery } from './http.js';
import { OPERATORS, READERS, route, type Route } from './route.js';
import { TENANT_PATH, tenantParams } from './tenant-path.js';

const BASE = `${TENANT_PATH}/summary`;

export const summaryRoutes: Route[] = [
  route({
    method: 'GET',
    path: BASE,
    summary:
      "The tenant's mode (on-premises, cross-premises or mixed) and the counts behind it: users and contacts by route, migrations by state, dead letters waiting; the same cost at any number of users",
    roles: READERS,
    successStatus: 200,
    params: tenantParams,
    query: noQuery,
    response: TenantSummarySchema,
    handle: async ({ params }, deps) => ({ status: 200, body: await getTenantSummary(deps, params.tenant) }),
  }),
  route({
    method: 'POST',
    path: `${BASE}/recount`,
    summary:
      "Count the tenant's users and contacts one by one and set the summary's counters to agree (for data written outside the service); reads every user. A dry run counts without writing",
    roles: OPERATORS,
    successStatus: 200,
    params: tenantParams,
    query: dryRunQuery,
    response: TenantSummarySchema,
    handle: async ({ params, write }, deps) => ({ status: 200, body: await recountTenantSummary(deps, params.tenant, write.dryRun) }),
  }),
];
