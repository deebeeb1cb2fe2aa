// The README's first steps, exactly as a newcomer on a fresh clone takes them: start the service
// with the demo, resolve a call with exumctl, change a user's mode, see the decision change,
// disable the provider as the server admin (no context switching by hand), stop the service with
// nothing left running.
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { exumctl } from '../support/exumctl.js';
import { gone, noneMarked, start, stopStartedServices } from '../support/npm-start.js';

afterAll(stopStartedServices);

it('follows the README from npm start -- --demo to Ctrl-C', async () => {
  // 1. npm start -- --demo --in-memory (here on any free port)
  const mark = `readme-${process.pid}-${Date.now()}`;
  const service = await start(['--demo'], /^try: npx exumctl/, undefined, { EXUM_TEST_MARK: mark });
  expect(service.banner).toContain('demo tenant: contoso');
  expect(existsSync(join(service.cwd, '.exumctl.yaml'))).toBe(true);
  const inClone = { cwd: service.cwd };

  // 2. npx exumctl test-voicemail sip:alice@contoso.com
  const first = await exumctl(['test-voicemail', 'sip:alice@contoso.com'], inClone);
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/Decision\s+: on-premises/);

  // 3. npx exumctl user set sip:alice@contoso.com --hosted-voicemail true
  const set = await exumctl(['user', 'set', 'sip:alice@contoso.com', '--hosted-voicemail', 'true'], inClone);
  expect(set.code).toBe(0);

  // 4. npx exumctl test-voicemail sip:alice@contoso.com: now hosted, through Exchange Online
  const second = await exumctl(['test-voicemail', 'sip:alice@contoso.com'], inClone);
  expect(second.code).toBe(0);
  expect(second.stdout).toMatch(/Decision\s+: hosted/);
  expect(second.stdout).toMatch(/Next hop\s+: sip:exap\.um\.outlook\.com:5061;transport=tls/);

  // 5. npx exumctl provider disable exo: a server admin's command, run from the same config file
  const disable = await exumctl(['provider', 'disable', 'exo'], inClone);
  expect(disable.code).toBe(0);
  expect(disable.stderr).toContain('using context server-admin');

  // 6. npx exumctl test-voicemail sip:alice@contoso.com: within 5 s (the configuration cache), rejected with 503, exit code 8
  const until = Date.now() + 7_000;
  let rejected = await exumctl(['test-voicemail', 'sip:alice@contoso.com'], inClone);
  while (rejected.code === 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    rejected = await exumctl(['test-voicemail', 'sip:alice@contoso.com'], inClone);
  }
  expect(rejected.code).toBe(8);
  expect(rejected.stdout).toMatch(/Decision\s+: reject/);
  expect(rejected.stdout).toMatch(/SIP answer\s+: 503 /);

  // 7. npx exumctl provider enable exo
  expect((await exumctl(['provider', 'enable', 'exo'], inClone)).code).toBe(0);

  // The contexts the README names, listed as it says.
  const contexts = await exumctl(['config', 'get-contexts'], inClone);
  expect(contexts.stdout).toMatch(/^\*\s+user-admin\s+user-admin\s+contoso/m);
  expect(contexts.stdout).toMatch(/^-\s+server-admin\s+server-admin\s+contoso/m);
  expect(contexts.stdout).toMatch(/^-\s+gateway\s+gateway\s+contoso/m);

  // 8. Ctrl-C: the service stops, DynamoDB Local with it, and the demo's exumctl settings go
  service.child.kill('SIGINT');
  const [code] = await once(service.child, 'exit');
  expect(code).toBe(0);
  expect(await gone(service.javaPid)).toBe(true);
  // The watchdog that guards against a killed server leaves a moment after the server.
  expect(await noneMarked(mark)).toEqual([]);
  expect(existsSync(join(service.cwd, '.exumctl.yaml'))).toBe(false);
});
