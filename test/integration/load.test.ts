// The load run in a reduced form (`npm run bench` runs it for ten minutes and reports the
// figures): resolutions at a steady rate while users are written and a migration runs, with not
// one error and not one 5xx, and nothing lost: every user of the migration migrated (it is waited
// for, however long the machine takes) and every write answered 2xx found afterwards. No figure
// of speed is asserted: a slower machine runs the same test, only longer.
import { expect, it } from 'vitest';
import { runLoad } from '../../bench/load.js';

it('answers every resolution and every write, with no 5xx and nothing lost, while users change and a migration runs', async () => {
  const report = await runLoad({ seconds: 15, rate: 100, users: 500 });
  expect(report.loadErrors).toBe(0);
  expect(report.load5xx).toBe(0);
  expect(report.loadResolvesPerSecond).toBeGreaterThan(0);
  expect(report.loadWritesRefused).toBe(0);
  expect(report.loadMigratedUsers).toBe(200);
  expect(report.loadWritesChecked).toBeGreaterThan(0);
  expect(report.loadWritesLost).toBe(0);
  // Only ends a hang: the run waits for its migration at any speed.
}, 1_800_000);
