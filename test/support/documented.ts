// Whether an answer is what docs/openapi.json says it is: the route's response schema parses the
// body and keeps all of it (an object schema drops keys it does not name, so a key the schema
// leaves out shows as a difference).
import { expect } from 'vitest';
import { apiRoutes } from '../../lib/api/api-routes.js';

export function expectDocumented(method: string, path: string, answer: { status: number; body: unknown }): void {
  const route = apiRoutes.find((candidate) => candidate.method === method && candidate.path === path);
  expect(route?.response, `${method} ${path} documents its answer`).toBeDefined();
  const parsed = route!.response!.safeParse(answer.body);
  expect(parsed.error?.issues ?? [], `${method} ${path} answers as documented`).toEqual([]);
  expect(parsed.data).toEqual(answer.body);
}
