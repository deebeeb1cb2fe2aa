// The hot path's bundle holds the hot path only: the management API, migrations, the stream
// processor and idempotency would all cost cold-start time on every new gateway-facing instance.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('the resolve function bundle', () => {
  it('leaves out management, migrations, events and idempotency', async () => {
    const { metafile } = await build({
      entryPoints: ['functions/resolve.ts'],
      bundle: true,
      format: 'esm',
      platform: 'node',
      write: false,
      metafile: true,
      outdir: 'unused',
    });
    // What ends up in the output (esbuild parses more than it keeps).
    const inputs = Object.values(metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(([, use]) => use.bytesInOutput > 0)
        .map(([input]) => input),
    );
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
