// The console end to end, in a real browser (Chromium through playwright-core) against
// `npm start -- --demo --in-memory`, as an administrator would use it: sign in with a token, test
// alice (on premises), make her hosted with a dry run first, test again (hosted), start a
// migration of two users with a local provider that answers ready and watch it complete, replay
// a dead letter, read the audit trail. axe-core checks every page: no serious or critical violation.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, seriousViolations } from '../support/browser.js';
import { start, stopStartedServices } from '../support/npm-start.js';
import { PROVIDER_SECRET, startProviderServer } from '../support/provider-server.js';
import { apiClient, type ApiClient } from '../support/service.js';

const T = '/v1/tenants/contoso';
const OPERATOR = 'exum_npm_start_test_operator_token_001';
/** What a person waits for at most before a test says it hung; conditions end it sooner. */
const PATIENCE_MS = 90_000;

let browser: Browser;
let page: Page;
let url: string;
let api: ApiClient;
let userAdminToken: string;
let provider: Awaited<ReturnType<typeof startProviderServer>>;
/** While true, the provider refuses (400) the change of alice's hosted voicemail: it becomes a dead letter. */
let refuseAlice = true;

beforeAll(async () => {
  // The provider below listens on this machine: its endpoint needs the explicit start-up option.
  const service = await start(['--demo', '--allow-loopback-providers'], /^try: npx exumctl/);
  url = service.url;
  userAdminToken = /user-admin token: (\S+)/.exec(service.banner)![1]!;
  api = apiClient({ url }, OPERATOR);

  // A hosting provider that answers each migration request "ready", as Exchange Online would once the mailbox is there.
  provider = await startProviderServer();
  const providerToken = (await api.post(`${T}/credentials`, { role: 'provider', name: 'e2e provider', providerId: 'exo' })).body
    .token as string;
  provider.behave((event) => {
    if (event.type === 'user.migration.requested') {
      const { migrationId, sipUri } = event.data as { migrationId: string; sipUri: string };
      setTimeout(() => {
        void api.put(`${T}/migrations/${migrationId}/users/${sipUri}/answer`, { status: 'ready' }, { token: providerToken });
      }, 0);
    }
    if (refuseAlice && event.type === 'user.hosted-voicemail.changed' && event.data.sipUri === 'sip:alice@contoso.com')
      return { status: 400 };
    return { status: 204 };
  });
  expect((await api.patch(`${T}/hosting-providers/exo`, { eventEndpoint: { url: provider.url, secret: PROVIDER_SECRET } })).status).toBe(
    200,
  );
  // Two users on premises for the migration.
  for (const name of ['mig1', 'mig2']) {
    const created = await api.post(`${T}/users`, {
      sipUri: `sip:${name}@contoso.com`,
      enterpriseVoiceEnabled: true,
      onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }

  browser = await launchBrowser();
  // A context of its own (axe-core asks for one): a fresh profile, no storage from elsewhere.
  page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
  page.setDefaultTimeout(PATIENCE_MS);
});

afterAll(async () => {
  await browser?.close();
  await provider?.stop();
  stopStartedServices();
});

/** Opens a page of the console from the side navigation, as a person would. */
async function open(name: string) {
  await page.getByRole('navigation').getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

describe('the console', () => {
  it('is served at / with the security headers, and signs in with a token', async () => {
    const answer = await page.goto(`${url}/`);
    const headers = answer!.headers();
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    await page.getByLabel('Token').waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Token').fill('exum_not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The token was not accepted').first().waitFor();

    await page.getByLabel('Token').fill(userAdminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByText('user-admin · contoso').first().waitFor({ state: 'attached' });
    // The token is in the tab's session storage, never in the address.
    expect(page.url()).not.toContain(userAdminToken);
  });

  it('Overview: the mode the demo tenant is in, and the counts behind it', async () => {
    await page.getByTestId('tenant-mode').waitFor();
    expect(await page.getByTestId('tenant-mode').textContent()).toBe('mixed');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('Test voicemail: alice is on premises', async () => {
    await open('Test voicemail');
    await page.getByLabel('Target').fill('sip:alice@contoso.com');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await expectDecision('On premises (Exchange UM)');
    await page.getByRole('table', { name: 'Steps of the decision' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('Users: alice made hosted, with a dry run first; then Test voicemail says hosted', async () => {
    await open('Users');
    await page.getByLabel('SIP address begins with').fill('alice');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('radio', { name: 'sip:alice@contoso.com' }).check();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Set hosted voicemail' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Hosted voicemail (admin)').first().click();
    await page.getByRole('option', { name: 'Hosted (admin flag on)' }).click();
    await dialog.getByRole('button', { name: 'Preview (dry run)' }).click();
    await dialog.getByText('What would change').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('row', { name: /sip:alice@contoso\.com.*Hosted/ }).waitFor();

    await open('Test voicemail');
    await page.getByLabel('Target').fill('sip:alice@contoso.com');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await expectDecision('Hosted voicemail');
  });

  it('Contacts and Configuration: listed; a refusal shown on the field it names; each page accessible', async () => {
    await open('Contacts');
    await page.getByText('sip:exum-sa@contoso.com').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // The user admin may create contacts; the API's refusal shows on the field it names.
    await page.getByRole('button', { name: /^Create / }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'SIP address' }).fill('not-an-address');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await dialog.getByText('must start with "sip:" (sip-scheme)').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await open('Configuration');
    await page.getByRole('tab').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('Migrations: a dry run, then two users migrated with a provider that answers ready, watched to the end', async () => {
    await open('Migrations');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Start migration' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'SIP addresses' }).fill('sip:mig1@contoso.com\nsip:mig2@contoso.com');
    await dialog.getByRole('textbox', { name: 'Hosting provider' }).fill('exo');
    const start = dialog.getByRole('button', { name: 'Start', exact: true });
    expect(await start.isDisabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Dry run' }).click();
    await expectEnabled(start);
    expect(await seriousViolations(page)).toEqual([]);
    await start.click();
    await dialog.waitFor({ state: 'hidden' });
    // Live progress: the page reads it again until the provider has answered for both.
    await page.getByTestId('count-completed').filter({ hasText: /^2$/ }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    const migrations = await api.get(`${T}/migrations`);
    expect(migrations.body.items[0].state).toBe('completed');
  });

  it('Dead letters: the event the provider refused is replayed under the same id', async () => {
    await open('Dead letters');
    // The refusal dead-letters the event at once; the list shows it when read again.
    const row = page.getByRole('row', { name: /user\.hosted-voicemail\.changed.*sip:alice@contoso\.com/ });
    for (let tries = 0; !(await row.isVisible()); tries++) {
      expect(tries, 'the dead letter never appeared').toBeLessThan(300);
      await page.waitForTimeout(300);
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Dead letters' }).waitFor();
    }
    expect(await seriousViolations(page)).toEqual([]);
    const letters = (await api.get(`${T}/dead-letters`)).body.items as { id: string; eventId: string; subject: string }[];
    const letter = letters.find((candidate) => candidate.subject === 'sip:alice@contoso.com')!;

    refuseAlice = false;
    await row.getByRole('radio').check();
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Reason' }).fill('the provider fixed its endpoint');
    await dialog.getByRole('button', { name: 'Replay', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await provider.waitFor(() => provider.ofType('user.hosted-voicemail.changed', 'sip:alice@contoso.com').length > 0, PATIENCE_MS);
    const delivered = provider.ofType('user.hosted-voicemail.changed', 'sip:alice@contoso.com');
    // The same event id the provider refused: it de-duplicates by it.
    expect(delivered.map((event) => event.id)).toContain(letter.eventId);
  });

  it('Audit: alice’s change, before and after side by side', async () => {
    await open('Audit');
    await page.getByRole('textbox', { name: 'Object id' }).fill('sip:alice@contoso.com');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page
      .getByRole('row', { name: /sip:alice@contoso\.com/ })
      .first()
      .getByRole('radio')
      .check();
    await page.getByText('Before').first().waitFor();
    await page.getByText('After').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });
});

async function expectDecision(text: string) {
  await page.getByTestId('decision').filter({ hasText: text }).waitFor();
}

async function expectEnabled(button: ReturnType<Page['getByRole']>) {
  for (let tries = 0; await button.isDisabled(); tries++) {
    expect(tries, 'never enabled').toBeLessThan(300);
    await page.waitForTimeout(300);
  }
}
