import { defineConfig } from 'vitest/config';

// .ci/run asks for a JSON report to print its "N passed, M failed" line.
const jsonReport = process.env.VITEST_JSON_REPORT;

export default defineConfig({
  test: {
    // Tests wait on conditions, not on the clock: these bounds only end a test that hangs, and are
    // wide enough for a machine several times slower than ours (CI's can be, on a given day).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    reporters: jsonReport ? ['default', 'json'] : ['default'],
    ...(jsonReport ? { outputFile: { json: jsonReport } } : {}),
    projects: [
      {
        extends: true,
        test: {
          name: 'service',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          // Integration files each create their own table in one shared DynamoDB Local.
          pool: 'forks',
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
      {
        // The console's components, rendered in jsdom against a stubbed fetch (console/test).
        extends: 'console/vite.config.ts',
        test: {
          name: 'console',
          root: 'console',
          include: ['test/**/*.test.tsx'],
          environment: 'jsdom',
          testTimeout: 180_000,
          setupFiles: ['test/setup.ts'],
        },
      },
    ],
  },
});
