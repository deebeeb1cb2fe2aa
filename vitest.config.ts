import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Integration files each create their own table in one shared DynamoDB Local.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // Tests wait on conditions, not on the clock: these bounds only end a test that hangs, and are
    // wide enough for a machine several times slower than ours (CI's can be, on a given day).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // .ci/run asks for a JSON report to print its "N passed, M failed" line.
    reporters: process.env.VITEST_JSON_REPORT ? ['default', 'json'] : ['default'],
    ...(process.env.VITEST_JSON_REPORT ? { outputFile: { json: process.env.VITEST_JSON_REPORT } } : {}),
  },
});
