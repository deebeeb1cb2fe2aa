// exumctl export and apply against a service: export → apply changes nothing; a changed file is
// planned field by field (dry run writes nothing), applied in an order the rules accept, and
// applying it again is a no-op.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { EXIT } from '../../cli/exit-codes.js';
import { exumctlAt } from '../support/exumctl.js';
import { expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { OPERATOR_TOKEN, createTenantWithCredentials, useTestService, type ApiClient } from '../support/service.js';

const T = '/v1/tenants/contoso';
let tokens: Awaited<ReturnType<typeof createTenantWithCredentials>>;
const context = useTestService(async (api: ApiClient) => {
  tokens = await createTenantWithCredentials(api, 'contoso', ['contoso.com']);
  await setUpHostedProvider(api, 'contoso');
  await expectCreated(
    api.post(`${T}/dial-plans`, {
      id: 'dp.contoso.com',
      uriType: 'sip-name',
      voipSecurity: 'secured',
      servers: [{ fqdn: 'um01.contoso.local', exchangeVersion: 15 }],
    }),
  );
  await expectCreated(
    api.post(`${T}/users`, {
      sipUri: 'sip:alice@contoso.com',
      lineUri: 'tel:+14255551001',
      enterpriseVoiceEnabled: true,
      onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' },
    }),
  );
  await expectCreated(
    api.post(`${T}/users`, { sipUri: 'sip:bob@contoso.com', hostedVoicemailPolicy: 'ExOnline', hostedVoicemail: { admin: true } }),
  );
  await expectCreated(
    api.post(`${T}/contacts`, { sipUri: 'sip:exum-sa@contoso.com', displayNumber: '+14255550100', hostedVoicemailPolicy: 'ExOnline' }),
  );
});
const dir = mkdtempSync(join(tmpdir(), 'exumctl-apply-'));
const asOperator = (args: string[]) => exumctlAt(() => context.service.url, OPERATOR_TOKEN, 'contoso')(args);

async function exportFile(name: string): Promise<string> {
  const path = join(dir, name);
  const run = await asOperator(['export', '-f', path]);
  expect(run.code).toBe(EXIT.ok);
  return path;
}

/** The parts of an exported tenant file these tests read and edit; the service checks the rest. */
interface EditedFile {
  users: { sipUri: string; lineUri?: string; hostedVoicemail?: { admin: boolean | null }; hostedVoicemailPolicy?: string | null }[];
  contacts?: unknown[];
  dialPlans: { servers: { fqdn: string; exchangeVersion: number }[] }[];
  voicemailPolicies: { id: string }[];
  hostingProviders: { eventEndpoint?: unknown }[];
  edge: unknown;
}

const readFile = (path: string) => parse(readFileSync(path, 'utf8')) as EditedFile;

const edit = (path: string, change: (file: EditedFile) => void): string => {
  const file = readFile(path);
  change(file);
  const edited = path.replace(/\.yaml$/, '.edited.yaml');
  writeFileSync(edited, stringify(file));
  return edited;
};

describe('export → apply', () => {
  it('is a no-op, in YAML and in JSON', async () => {
    const yamlFile = await exportFile('contoso.yaml');
    expect(readFileSync(yamlFile, 'utf8')).toContain('apiVersion: exum-router/v1');
    const dry = await asOperator(['apply', '-f', yamlFile, '--dry-run']);
    expect(dry.stdout).toContain('0 to create, 0 to update, 0 to delete');
    expect(dry.stdout).toContain('no changes');
    const applied = await asOperator(['apply', '-f', yamlFile]);
    expect(applied.code).toBe(EXIT.ok);
    expect(applied.stderr).toContain('already matches');
    const jsonRun = await asOperator(['export', '--format', 'json']);
    writeFileSync(join(dir, 'contoso.json'), jsonRun.stdout);
    expect((await asOperator(['apply', '-f', join(dir, 'contoso.json'), '--dry-run'])).stdout).toContain('no changes');
  });
});

describe('apply', () => {
  it('plans a changed file field by field, and a dry run writes nothing', async () => {
    const edited = edit(await exportFile('plan.yaml'), (file) => {
      const alice = file.users.find((user) => user.sipUri === 'sip:alice@contoso.com')!;
      alice.hostedVoicemail = { ...alice.hostedVoicemail, admin: true };
      alice.hostedVoicemailPolicy = 'ExOnline';
      file.users.push({ sipUri: 'sip:carol@contoso.com', lineUri: 'tel:+14255551003' });
      file.contacts = [];
      file.dialPlans[0]!.servers.push({ fqdn: 'um02.contoso.local', exchangeVersion: 15 });
    });
    const before = await context.service.snapshot();
    const dry = await asOperator(['apply', '-f', edited, '--dry-run']);
    expect(dry.code).toBe(EXIT.ok);
    expect(dry.stdout).toContain('1 to create, 2 to update, 1 to delete');
    expect(dry.stdout).toContain(
      '~ update user sip:alice@contoso.com\n    hostedVoicemailPolicy: - → ExOnline\n    hostedVoicemail.admin: - → true',
    );
    expect(dry.stdout).toContain('+ create user sip:carol@contoso.com');
    expect(dry.stdout).toContain('- delete contact sip:exum-sa@contoso.com');
    expect(dry.stdout).toMatch(/~ update dial-plan dp\.contoso\.com\n {4}servers: /);
    expect(await context.service.snapshot()).toBe(before);
  });

  it('applies it, after which the tenant exports as the file and applying again changes nothing', async () => {
    const edited = join(dir, 'plan.edited.yaml');
    const applied = await asOperator(['apply', '-f', edited]);
    expect(applied.code).toBe(EXIT.ok);
    expect(applied.stdout).toContain('1 created, 2 updated, 1 deleted');
    expect((await context.api.get(`${T}/users/sip:alice@contoso.com`)).body.hostedVoicemail).toEqual({ admin: true, provider: null });
    expect((await context.api.get(`${T}/contacts/sip:exum-sa@contoso.com`)).status).toBe(404);
    const again = await asOperator(['apply', '-f', edited]);
    expect(again.stderr).toContain('already matches');
    const reexported = readFile(await exportFile('after.yaml'));
    const declared = readFile(edited);
    expect(reexported.users.map((user) => user.sipUri).sort()).toEqual(declared.users.map((user) => user.sipUri).sort());
    expect(reexported.dialPlans[0]!.servers).toHaveLength(2);
  });

  it('orders steps the rules accept: grants revoked before their policy goes, providers gone before the edge closes', async () => {
    const edited = edit(await exportFile('close.yaml'), (file) => {
      for (const user of file.users) Object.assign(user, { hostedVoicemailPolicy: null, hostedVoicemail: { admin: null } });
      file.voicemailPolicies = file.voicemailPolicies.filter((policy) => policy.id === 'global');
      file.hostingProviders = [];
      file.edge = { routingMode: 'default-route', allowFederatedUsers: false, nextHop: null };
    });
    const applied = await asOperator(['apply', '-f', edited]);
    expect(applied.stderr).not.toContain('FAILED');
    expect(applied.code).toBe(EXIT.ok);
    expect((await context.api.get(`${T}/edge`)).body.routingMode).toBe('default-route');
    expect((await context.api.get(`${T}/voicemail-policies/tag:ExOnline`)).status).toBe(404);

    // And back: the edge opens before the provider is enabled, the policy exists before its grant.
    const reopened = join(dir, 'plan.edited.yaml');
    const back = await asOperator(['apply', '-f', reopened]);
    expect(back.stderr).not.toContain('FAILED');
    expect(back.code).toBe(EXIT.ok);
    expect((await context.api.get(`${T}/hosting-providers/exo`)).body.enabled).toBe(true);
  });

  it('reports a step the service refuses, applies the rest, and exits 7', async () => {
    await expectCreated(
      context.api.post(`${T}/contacts`, {
        sipUri: 'sip:exum-aa@contoso.com',
        displayNumber: '+14255550200',
        onPremisesDialPlan: 'dp.contoso.com',
      }),
    );
    const edited = edit(await exportFile('partial.yaml'), (file) => {
      delete file.contacts;
      file.users.push({ sipUri: 'sip:dan@contoso.com', lineUri: 'tel:+14255550200' });
      file.users.push({ sipUri: 'sip:erin@contoso.com' });
    });
    const applied = await asOperator(['apply', '-f', edited]);
    expect(applied.code).toBe(EXIT.partial);
    expect(applied.stderr).toContain('FAILED create user sip:dan@contoso.com: lineUri');
    expect(applied.stdout).toContain('1 created, 0 updated, 0 deleted; 1 failed');
    expect((await context.api.get(`${T}/users/sip:erin@contoso.com`)).status).toBe(200);
  });

  it('refuses an invalid file before anything is read or written (exit 2), naming the field', async () => {
    const path = join(dir, 'invalid.yaml');
    writeFileSync(path, 'apiVersion: exum-router/v1\nkind: TenantConfiguration\ntenant: contoso\nusers:\n  - sipUri: alice@contoso.com\n');
    const run = await asOperator(['apply', '-f', path]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain('users.0.sipUri');
  });

  it('refuses a file asking what cannot be done (exit 3): an endpoint without its secret', async () => {
    const edited = edit(await exportFile('secret.yaml'), (file) => {
      file.hostingProviders[0]!.eventEndpoint = { url: 'https://events.example.net/exum' };
    });
    const run = await asOperator(['apply', '-f', edited]);
    expect(run.code).toBe(EXIT.refused);
    expect(run.stderr).toContain('hostingProviders.0.eventEndpoint.secret');
  });

  it('refuses, dry run or not, a plan the role may not carry out: exit 5 naming the operation and the role, nothing written', async () => {
    const path = edit(await exportFile('user-admin.yaml'), (file) => {
      file.voicemailPolicies.push({ ...file.voicemailPolicies[0]!, id: 'tag:Sales' });
      file.users[0]!.lineUri = 'tel:+14255551999';
    });
    const asUserAdmin = exumctlAt(() => context.service.url, tokens['user-admin'], 'contoso');
    const before = await context.service.snapshot();
    const dry = await asUserAdmin(['apply', '-f', path, '--dry-run']);
    const real = await asUserAdmin(['apply', '-f', path]);
    for (const run of [dry, real]) {
      expect(run.code, run.stderr).toBe(EXIT.denied);
      expect(run.stderr).toContain('the user-admin role may not');
      expect(run.stderr).toContain(
        'POST /v1/tenants/{tenant}/voicemail-policies (create voicemail-policy tag:Sales) needs the role operator or server-admin',
      );
      // The users' step is the user admin's to make: not named.
      expect(run.stderr).not.toContain('users/batch');
    }
    expect(dry.stdout).not.toContain('dry run');
    expect(await context.service.snapshot()).toBe(before);

    const usersOnly = edit(await exportFile('user-admin-users.yaml'), (file) => {
      file.users[0]!.lineUri = 'tel:+14255551999';
    });
    const allowed = await asUserAdmin(['apply', '-f', usersOnly, '--dry-run']);
    expect(allowed.code, allowed.stderr).toBe(EXIT.ok);
    expect(allowed.stdout).toContain('0 to create, 1 to update, 0 to delete');
  });

  it('lets a server admin apply a file that declares configuration sections only', async () => {
    const path = join(dir, 'server-admin.yaml');
    writeFileSync(
      path,
      stringify({
        apiVersion: 'exum-router/v1',
        kind: 'TenantConfiguration',
        tenant: 'contoso',
        rerouting: [{ id: 'global', enabled: true, autoAttendantNumber: '+14255550000' }],
      }),
    );
    const asServerAdmin = exumctlAt(() => context.service.url, tokens['server-admin'], 'contoso');
    const run = await asServerAdmin(['apply', '-f', path]);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain('1 created');
  });
});
