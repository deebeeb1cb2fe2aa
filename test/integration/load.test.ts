// The load run in a reduced form (`npm run bench` runs it for ten minutes and reports the
// figures): resolutions at a steady rate while users are written and a migration runs, with not
// one error and not one 5xx.
import { expect, it } from 'vitest';
import { runLoad } from '../../bench/load.js';

it('answers every resolution and every write, with no 5xx, while users change and a migration runs', async () => {
  const report = await runLoad({ seconds: 15, rate: 100, users: 500 });
  expect(report.loadErrors).toBe(0);
  expect(report.load5xx).toBe(0);
  expect(report.loadResolvesPerSecond).toBeGreaterThan(0);
  expect(report.loadWrites).toBeGreaterThan(50);
  expect(report.loadWritesRefused).toBe(0);
  expect(report.loadMigratedUsers).toBeGreaterThan(0);
}, 120_000);
