// The hot path's bundle holds the hot path only: the management API, migrations, the stream
// processor and idempotency would all cost cold-start time on every new gateway-facing instance.
import { describe, expect, it } from 'vitest';
import { bundledInputs } from '../support/bundle-inputs.js';

describe('the resolve function bundle', () => {
  it('leaves out management, migrations, events and idempotency', async () => {
    const inputs = await bundledInputs('functions/resolve.ts');
    for (const unwanted of [
      'lib/management/',
      'lib/migrations/',
      'lib/stream/',
      'lib/store/stream-records',
      'lib/provider-events/',
      'lib/provisioning/',
      'lib/api/tenant-routes',
      'lib/api/credential-routes',
      'lib/api/configuration-routes',
      'lib/api/collection-routes',
      'lib/api/principal-routes',
      'lib/api/user-batch-routes',
      'lib/api/provider-flag-routes',
      'lib/api/tenant-path',
      '@aws-lambda-powertools/idempotency',
      'zod/v4/locales/he',
    ]) {
      expect(
        inputs.filter((input) => input.includes(unwanted)),
        unwanted,
      ).toEqual([]);
    }
    expect(inputs.some((input) => input.includes('lib/routing/decide-route'))).toBe(true);
  });
});
