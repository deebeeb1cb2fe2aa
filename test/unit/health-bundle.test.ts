// The health function answers load balancers and DNS health checks, with no credential: its bundle
// holds the health routes and one table read, nothing of the API behind the authorizer, so a cold
// start is short and nothing else is reachable from it.
import { describe, expect, it } from 'vitest';
import { bundledInputs } from '../support/bundle-inputs.js';

describe('the health function bundle', () => {
  it('holds the health routes and the readiness read, and leaves out the rest of the service', async () => {
    const inputs = await bundledInputs('functions/health.ts');
    for (const unwanted of [
      'lib/api/api-routes',
      'lib/api/dispatch',
      'lib/auth/authenticate',
      'lib/auth/credential-cache',
      'lib/auth/authorizer.ts',
      'lib/routing/',
      'lib/management/',
      'lib/migrations/',
      'lib/stream/',
      'lib/provider-events/',
      'lib/provisioning/',
      'lib/store/exum-store',
      'lib/store/table-client',
      '@middy/',
    ]) {
      expect(
        inputs.filter((input) => input.includes(unwanted)),
        unwanted,
      ).toEqual([]);
    }
    expect(inputs).toEqual(expect.arrayContaining(['lib/api/health-routes.ts', 'lib/store/readiness.ts']));
  });
});
