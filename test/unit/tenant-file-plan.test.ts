// exumctl apply's planning, pure: which steps a tenant file needs, in which order, with which
// secrets; export and plan agree (export → apply is a no-op).
import { describe, expect, it } from 'vitest';
import { exportTenantFile, planApply, type CurrentConfiguration } from '../../cli/tenant-file/plan.js';
import { parseTenantFile, type TenantFile } from '../../cli/tenant-file/tenant-file.js';
import { contact, dialPlan, edge, policy, provider, rerouting, user } from '../support/builders.js';
import type { ParsedJson } from '../support/json.js';

const publicProvider = (fields: Parameters<typeof provider>[0] = {}) => {
  const { eventEndpoint, ...record } = provider(fields);
  return { ...record, eventEndpoint: eventEndpoint === null ? null : { url: eventEndpoint.url, secretConfigured: true } };
};

const current = (): CurrentConfiguration => ({
  edge: edge(),
  hostingProviders: [publicProvider({ eventEndpoint: { url: 'https://events.exo.example/exum', secretRef: 'inline:x' } })],
  voicemailPolicies: [policy('global', { destination: null, organizations: [] }), policy('tag:ExOnline')],
  dialPlans: [dialPlan()],
  rerouting: [rerouting('global')],
  users: [
    user(),
    user({
      sipUri: 'sip:bob@contoso.com',
      lineUri: 'tel:+14255550101',
      hostedVoicemailPolicy: 'ExOnline',
      hostedVoicemail: { admin: true, provider: true },
    }),
  ],
  contacts: [contact()],
});

const fileOf = (value: unknown): TenantFile => {
  const parsed = parseTenantFile(JSON.stringify(value));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.file;
};

const exported = () => exportTenantFile('contoso', current()) as Record<string, ParsedJson>;
const summary = (file: TenantFile, state = current()) =>
  planApply(file, state).steps.map((step) => `${step.action} ${step.section} ${step.id}`);

describe('export and plan', () => {
  it('agree: applying an export plans nothing', () => {
    const plan = planApply(fileOf(exported()), current());
    expect(plan).toEqual({ steps: [], problems: [] });
  });

  it('leaves out what a file does not declare: secrets, the provider flag, versions', () => {
    const file = exported();
    expect(file.hostingProviders[0].eventEndpoint).toEqual({ url: 'https://events.exo.example/exum' });
    expect(file.users[1].hostedVoicemail).toEqual({ admin: true });
    expect(JSON.stringify(file)).not.toMatch(/version|createdAt|modifiedBy|secretRef|secretConfigured/);
  });

  it('normalises the file as the API does, so differently written ids match', () => {
    const file = exported();
    file.users[0].sipUri = 'SIP:alice@CONTOSO.com';
    file.voicemailPolicies[1].id = 'Tag:ExOnline';
    file.users[1].hostedVoicemailPolicy = 'tag:ExOnline';
    expect(planApply(fileOf(file), current()).steps).toEqual([]);
  });
});

describe('steps', () => {
  it('updates only the fields that differ, and shows both sides', () => {
    const file = exported();
    file.users[0].hostedVoicemail = { admin: true };
    file.dialPlans[0].voipSecurity = 'unsecured';
    const { steps } = planApply(fileOf(file), current());
    const dialPlanStep = steps.find((step) => step.section === 'dial-plans')!;
    expect(dialPlanStep).toMatchObject({ action: 'update', id: 'dp.contoso.com', body: { voipSecurity: 'unsecured' } });
    const userStep = steps.find((step) => step.section === 'users')!;
    expect(userStep.before!.hostedVoicemail).toEqual({ admin: null });
    expect(userStep.after!.hostedVoicemail).toEqual({ admin: true });
    // Users go to the batch route whole.
    expect(userStep.body).toMatchObject({ sipUri: 'sip:alice@contoso.com', lineUri: 'tel:+14255550100', hostedVoicemail: { admin: true } });
  });

  it('deletes what a present section does not list, and leaves absent sections alone', () => {
    const file = exported();
    file.contacts = [];
    delete file.users;
    expect(summary(fileOf(file))).toEqual(['delete contacts sip:sa@contoso.com']);
  });

  it('fills defaults for what a file leaves out, as the create routes do', () => {
    const file = exported();
    file.users.push({ sipUri: 'sip:new@contoso.com' });
    const step = planApply(fileOf(file), current()).steps.find((s) => s.id === 'sip:new@contoso.com')!;
    expect(step.body).toMatchObject({
      enabled: true,
      enterpriseVoiceEnabled: false,
      hostedVoicemail: { admin: null },
      onPremisesUm: { enabled: false, dialPlan: null },
    });
  });

  it('orders steps so each lands on a state the rules accept', () => {
    const file = exported();
    file.edge = { routingMode: 'default-route', allowFederatedUsers: false };
    file.hostingProviders = [];
    file.voicemailPolicies = [{ id: 'global' }, { id: 'tag:New', destination: 'um.fabrikam.com' }];
    file.users[1].hostedVoicemailPolicy = 'New';
    file.users.push({ sipUri: 'sip:carol@contoso.com', hostedVoicemailPolicy: 'New' });
    file.users.splice(0, 1);
    expect(summary(fileOf(file))).toEqual([
      'delete hosting-providers exo',
      'create voicemail-policies tag:New',
      'update users sip:bob@contoso.com',
      'create users sip:carol@contoso.com',
      'delete users sip:alice@contoso.com',
      'delete voicemail-policies tag:ExOnline',
      'update edge edge',
    ]);
  });

  it('opens the edge to hosting providers before it enables them', () => {
    const state = { ...current(), edge: edge({ routingMode: 'default-route', allowFederatedUsers: false }), hostingProviders: [] };
    const file = exported();
    file.hostingProviders[0].eventEndpoint = null;
    expect(summary(fileOf(file), state)).toEqual(['update edge edge', 'create hosting-providers exo']);
  });

  it('recreates a provider whose proxyFqdn changes (it is immutable), after deleting the old one', () => {
    const file = exported();
    file.hostingProviders[0].proxyFqdn = 'proxy.fabrikam.com';
    file.hostingProviders[0].eventEndpoint.secret = 'a-signing-secret-of-24-chars';
    const { steps } = planApply(fileOf(file), current());
    expect(steps.map((step) => `${step.action} ${step.id}`)).toEqual(['delete exo', 'create exo']);
    expect(steps[1]!.body).toMatchObject({
      proxyFqdn: 'proxy.fabrikam.com',
      eventEndpoint: { url: 'https://events.exo.example/exum', secret: 'a-signing-secret-of-24-chars' },
    });
  });
});

describe('gateway settings', () => {
  const settings = (staleIfErrorSeconds: number, version = 1) => ({
    staleIfErrorSeconds,
    version,
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
    modifiedBy: { credentialId: 'cred_x', role: 'server-admin' },
  });
  const withSettings = (staleIfErrorSeconds: number) => ({ ...current(), gatewaySettings: settings(staleIfErrorSeconds) });

  it('are replaced whole (PUT), first, only when they differ, and left alone when the file leaves them out', () => {
    const file = fileOf({ ...exported(), gatewaySettings: { staleIfErrorSeconds: 3_600 } });
    const plan = planApply(file, withSettings(86_400));
    expect(plan.steps[0]).toEqual({
      action: 'update',
      section: 'gateway-settings',
      id: 'gateway-settings',
      before: { staleIfErrorSeconds: 86_400 },
      after: { staleIfErrorSeconds: 3_600 },
      body: { staleIfErrorSeconds: 3_600 },
    });
    expect(summary(file, withSettings(3_600))).toEqual([]);
    expect(summary(fileOf(exported()), withSettings(3_600))).toEqual([]);
  });

  it('are exported when read, and an export applies as no change', () => {
    const file = exportTenantFile('contoso', withSettings(0)) as Record<string, ParsedJson>;
    expect(file.gatewaySettings).toEqual({ staleIfErrorSeconds: 0 });
    expect(planApply(fileOf(file), withSettings(0)).steps).toEqual([]);
  });

  it('are refused out of bounds, naming the field and the rule', () => {
    const parsed = parseTenantFile(JSON.stringify({ ...exported(), gatewaySettings: { staleIfErrorSeconds: 604_801 } }));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues).toEqual([expect.objectContaining({ field: 'gatewaySettings.staleIfErrorSeconds', rule: 'max' })]);
  });
});

describe('signing secrets', () => {
  it('are needed to create an endpoint or change its URL, and refused as a problem otherwise', () => {
    const file = exported();
    file.hostingProviders[0].eventEndpoint = { url: 'https://events.exo.example/v2' };
    const plan = planApply(fileOf(file), current());
    expect(plan.problems).toEqual([
      expect.objectContaining({ field: 'hostingProviders.0.eventEndpoint.secret', rule: 'secret-to-set-endpoint' }),
    ]);
  });

  it('are sent with a changed URL, and not when nothing changed (applying twice stays a no-op)', () => {
    const file = exported();
    file.hostingProviders[0].eventEndpoint = { url: 'https://events.exo.example/v2', secret: 'a-signing-secret-of-24-chars' };
    expect(planApply(fileOf(file), current()).steps[0]!.body).toEqual({
      eventEndpoint: { url: 'https://events.exo.example/v2', secret: 'a-signing-secret-of-24-chars' },
    });
    file.hostingProviders[0].eventEndpoint.url = 'https://events.exo.example/exum';
    expect(planApply(fileOf(file), current()).steps).toEqual([]);
  });

  it('are sent for every provider that gives one with --rotate-secrets', () => {
    const file = exported();
    file.hostingProviders[0].eventEndpoint.secret = 'a-new-signing-secret-of-24+';
    const { steps } = planApply(fileOf(file), current(), { rotateSecrets: true });
    expect(steps).toHaveLength(1);
    expect(steps[0]!.body).toEqual({ eventEndpoint: { url: 'https://events.exo.example/exum', secret: 'a-new-signing-secret-of-24+' } });
    expect(JSON.stringify(steps[0]!.after)).not.toContain('a-new-signing-secret');
  });
});

describe('problems and invalid files', () => {
  it('refuses a file that would delete the global policy, or grants a tag it does not declare', () => {
    const file = exported();
    file.voicemailPolicies = [{ id: 'tag:ExOnline', destination: 'exap.um.outlook.com' }];
    file.users[0].hostedVoicemailPolicy = 'Missing';
    const { problems } = planApply(fileOf(file), current());
    expect(problems.map((problem) => `${problem.field} ${problem.rule}`)).toEqual([
      'voicemailPolicies global-policy-required',
      'users.0.hostedVoicemailPolicy policy-declared',
    ]);
  });

  it.each([
    ['an unknown field', (f: ParsedJson) => (f.users[0].colour = 'blue'), 'users.0.colour', 'unknown-field'],
    ['a field the API refuses', (f: ParsedJson) => (f.users[0].lineUri = '4255550100'), 'users.0.lineUri', 'line-uri'],
    [
      'the provider flag',
      (f: ParsedJson) => (f.users[0].hostedVoicemail = { admin: null, provider: true }),
      'users.0.hostedVoicemail.provider',
      'unknown-field',
    ],
    ['an object twice', (f: ParsedJson) => f.users.push({ sipUri: 'sip:alice@CONTOSO.com' }), 'users.2', 'unique-in-file'],
    ['another format', (f: ParsedJson) => (f.apiVersion = 'v2'), 'apiVersion', 'allowed-values'],
  ])('names the field at fault: %s', (_what, change, field, rule) => {
    const file = exported();
    change(file);
    const parsed = parseTenantFile(JSON.stringify(file));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it('reads YAML and refuses what is neither YAML nor JSON', () => {
    expect(parseTenantFile('apiVersion: exum-router/v1\nkind: TenantConfiguration\ntenant: contoso\n').ok).toBe(true);
    const parsed = parseTenantFile('apiVersion: [unclosed\n');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues[0]).toMatchObject({ field: '(file)', rule: 'yaml' });
  });
});
