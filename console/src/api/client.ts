// The console's only way to the API: openapi-fetch over the types generated from docs/openapi.json
// (schema.d.ts), on the same origin as the console (/v1), with the signed-in token added to each
// request. Errors come back as the API's problem documents (application/problem+json).
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

export type Api = ReturnType<typeof createApi>;

/** A problem document as the API answers it: the field and rule of each refusal. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: { field: string; rule: string; message: string }[];
}

/** Thrown by `expectOk` so pages show what the API said, on the field it named. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

/**
 * A client that sends `token` as a bearer credential. The token lives in this closure (and in
 * session storage, see session.tsx): never in a URL, a query string or a log line.
 */
export function createApi(token: string, onUnauthenticated: () => void) {
  const client = createClient<paths>({ baseUrl: window.location.origin });
  const auth: Middleware = {
    onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthenticated();
      return response;
    },
  };
  client.use(auth);
  return client;
}

/** The data of a successful answer, or a ProblemError carrying the API's problem document. */
export async function expectOk<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ProblemError(asProblem(error, response));
  return data as T;
}

function asProblem(error: unknown, response: Response): Problem {
  if (typeof error === 'object' && error !== null && 'title' in error) return error as Problem;
  return { title: response.statusText || 'Request failed', status: response.status };
}

/** The message of a refusal on one field (as named by the API: `sipUri`, `servers.0.fqdn`, …), if any. */
export function fieldError(problem: Problem | null, field: string): string | undefined {
  const issue = problem?.errors?.find((candidate) => candidate.field === field || candidate.field.startsWith(`${field}.`));
  return issue === undefined ? undefined : `${issue.message} (${issue.rule})`;
}
