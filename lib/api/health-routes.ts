// GET /healthz and GET /readyz: what load balancers, DNS health checks (Route 53) and gateways ask,
// with no credential. /healthz: the service answers (locally the process, in AWS API Gateway and
// the health function). /readyz: and the table answers a read within the store's timeout, else 503
// (the problem every route answers when the store is down, with Retry-After). Nothing else is
// said: no table name, no version, no error text (the log has the error). lib/api/public-handler.ts
// serves them.
import * as z from 'zod';
import type { ApiResult } from './http.js';
import type { PublicRoute } from './route.js';

export interface HealthDeps {
  /** Resolves when the table answered a read in time; throws store-unavailable otherwise (lib/store/readiness.ts). */
  storeAnswers: () => Promise<void>;
}

const answer = (status: 'ok' | 'ready'): ApiResult => ({ status: 200, body: { status } });

export const healthRoutes: readonly PublicRoute<HealthDeps>[] = [
  {
    method: 'GET',
    path: '/healthz',
    access: 'public',
    summary: 'Liveness: the service answers (no credential; HEAD too)',
    response: z.strictObject({ status: z.literal('ok') }),
    handle: () => Promise.resolve(answer('ok')),
  },
  {
    method: 'GET',
    path: '/readyz',
    access: 'public',
    summary: 'Readiness: the store answers a read within its timeout; 503 with Retry-After when not (no credential; HEAD too)',
    response: z.strictObject({ status: z.literal('ready') }),
    handle: async ({ storeAnswers }) => {
      await storeAnswers();
      return answer('ready');
    },
  },
];
