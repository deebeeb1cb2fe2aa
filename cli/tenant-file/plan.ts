// What `exumctl apply` must do to turn a tenant's current configuration into the one its file
// declares: create, update and delete steps, field by field, in an order the section 4 rules
// accept. Pure: the current state comes in, the steps go out; the CLI carries them out.
import { isDeepStrictEqual } from 'node:util';
import type { FieldIssue } from '../../lib/errors.js';
import { GLOBAL_POLICY_ID } from '../../lib/domain/voicemail-policy.js';
import type { FileProvider, TenantFile } from './tenant-file.js';

/** The tenant's configuration as the API lists it (records with their version and timestamps). */
export interface CurrentConfiguration {
  edge: Record<string, unknown>;
  /** Read when the file declares them (absent: the file leaves them alone). */
  gatewaySettings?: Record<string, unknown>;
  hostingProviders: Record<string, unknown>[];
  voicemailPolicies: Record<string, unknown>[];
  dialPlans: Record<string, unknown>[];
  rerouting: Record<string, unknown>[];
  users: Record<string, unknown>[];
  contacts: Record<string, unknown>[];
}

export type Section =
  'edge' | 'gateway-settings' | 'hosting-providers' | 'voicemail-policies' | 'dial-plans' | 'rerouting' | 'users' | 'contacts';

export interface PlanStep {
  action: 'create' | 'update' | 'delete';
  /** The API collection (the edge and the gateway settings are singletons). */
  section: Section;
  /** The object's id or SIP address ("edge" and "gateway-settings" for the singletons). */
  id: string;
  /** The declared fields before and after (null: absent), for review. */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** What is sent: the whole object to create (or upsert, for users), the changed fields to update. */
  body?: Record<string, unknown>;
}

export interface Plan {
  steps: PlanStep[];
  /** What the file asks that cannot be done; nothing is applied while there are any. */
  problems: FieldIssue[];
}

export interface PlanOptions {
  /** Send the signing secrets the file gives even where the event URL is unchanged. */
  rotateSecrets?: boolean;
}

/** The fields a file declares for each kind of object, in the order export writes them. */
export const DECLARED_FIELDS = {
  edge: ['routingMode', 'allowFederatedUsers', 'nextHop'],
  'gateway-settings': ['staleIfErrorSeconds'],
  'hosting-providers': ['id', 'proxyFqdn', 'enabled', 'sharedAddressSpace', 'hostsUsers', 'isLocal', 'verificationLevel', 'eventEndpoint'],
  'voicemail-policies': ['id', 'destination', 'organizations', 'description'],
  'dial-plans': ['id', 'uriType', 'voipSecurity', 'servers'],
  rerouting: ['id', 'enabled', 'autoAttendantNumber', 'subscriberAccessNumber'],
  users: [
    'sipUri',
    'displayName',
    'lineUri',
    'enabled',
    'enterpriseVoiceEnabled',
    'site',
    'registrarPool',
    'hostedVoicemailPolicy',
    'onPremisesUm',
    'hostedVoicemail',
  ],
  contacts: [
    'sipUri',
    'displayNumber',
    'kind',
    'enabled',
    'enterpriseVoiceEnabled',
    'site',
    'registrarPool',
    'ou',
    'description',
    'hostedVoicemailPolicy',
    'onPremisesDialPlan',
  ],
} as const satisfies Record<Section, readonly string[]>;

const pick = (record: Record<string, unknown>, fields: readonly string[]) =>
  Object.fromEntries(fields.map((field) => [field, record[field]]));

/** An API record as the file would declare it: only its declared fields, secrets and the provider's flag left out. */
export function declared(section: Section, record: Record<string, unknown>): Record<string, unknown> {
  const fields = pick(record, DECLARED_FIELDS[section]);
  if (section === 'hosting-providers') {
    const endpoint = record.eventEndpoint as { url: string } | null;
    fields.eventEndpoint = endpoint === null || endpoint === undefined ? null : { url: endpoint.url };
  }
  if (section === 'users') fields.hostedVoicemail = { admin: (record.hostedVoicemail as { admin: boolean | null }).admin };
  return fields;
}

const keyOf = (section: Section, record: Record<string, unknown>) =>
  String(section === 'users' || section === 'contacts' ? record.sipUri : record.id);

const changedFields = (before: Record<string, unknown>, after: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(after).filter(([field, value]) => !isDeepStrictEqual(before[field], value)));

interface SectionPlan {
  upserts: PlanStep[];
  deletes: PlanStep[];
}

/** Creates, updates and deletes that make one section hold exactly the declared objects. */
function planSection(
  section: Section,
  desired: readonly Record<string, unknown>[] | undefined,
  current: readonly Record<string, unknown>[],
): SectionPlan {
  if (desired === undefined) return { upserts: [], deletes: [] };
  const now = new Map(current.map((record) => [keyOf(section, record), declared(section, record)]));
  const wanted = new Set(desired.map((record) => keyOf(section, record)));
  const upserts: PlanStep[] = [];
  for (const record of desired) {
    const id = keyOf(section, record);
    const after = declared(section, record);
    const before = now.get(id) ?? null;
    if (before === null) upserts.push({ action: 'create', section, id, before: null, after, body: after });
    else if (!isDeepStrictEqual(before, after))
      upserts.push({ action: 'update', section, id, before, after, body: changedFields(before, after) });
  }
  const deletes = [...now]
    .filter(([id]) => !wanted.has(id))
    .map(([id, before]): PlanStep => ({ action: 'delete', section, id, before, after: null }));
  return { upserts, deletes };
}

/**
 * Providers, with their secrets: the file's secret goes with a created endpoint, a changed URL, or
 * a rotation; a proxyFqdn cannot change, so a provider whose proxyFqdn differs is deleted and
 * created again (Lync's Remove- then New-CsHostingProvider).
 */
function planProviders(
  desired: readonly FileProvider[] | undefined,
  current: readonly Record<string, unknown>[],
  options: PlanOptions,
  problems: FieldIssue[],
): SectionPlan {
  const plan = planSection('hosting-providers', desired, current);
  if (desired === undefined) return plan;
  const secrets = new Map(desired.map((provider, index) => [provider.id, { index, secret: provider.eventEndpoint?.secret }]));
  const upserts: PlanStep[] = [];
  const deletes = [...plan.deletes];
  for (const step of plan.upserts) {
    const { index, secret } = secrets.get(step.id)!;
    const recreated = step.action === 'update' && step.before!.proxyFqdn !== step.after!.proxyFqdn;
    const wantedEndpoint = step.after!.eventEndpoint as { url: string } | null;
    const hadEndpoint = (recreated ? null : step.before?.eventEndpoint) as { url: string } | null | undefined;
    const needsSecret =
      wantedEndpoint !== null && (hadEndpoint === null || hadEndpoint === undefined || hadEndpoint.url !== wantedEndpoint.url);
    if (needsSecret && secret === undefined) {
      problems.push({
        field: `hostingProviders.${index}.eventEndpoint.secret`,
        rule: 'secret-to-set-endpoint',
        message: `provider ${step.id}: a new or changed event endpoint needs its signing secret`,
      });
      continue;
    }
    const sendSecret = wantedEndpoint !== null && secret !== undefined && (needsSecret || options.rotateSecrets === true);
    const withSecret = (body: Record<string, unknown>) =>
      sendSecret ? { ...body, eventEndpoint: { url: wantedEndpoint.url, secret } } : body;
    if (recreated) {
      deletes.push({ action: 'delete', section: 'hosting-providers', id: step.id, before: step.before, after: null });
      upserts.push({
        action: 'create',
        section: 'hosting-providers',
        id: step.id,
        before: null,
        after: step.after,
        body: withSecret(step.after!),
      });
    } else {
      upserts.push({ ...step, body: withSecret(step.body!) });
    }
  }
  if (options.rotateSecrets === true) {
    // Rotation alone changes no declared field: a step of its own, for providers otherwise unchanged.
    for (const provider of desired) {
      const secret = provider.eventEndpoint?.secret;
      if (secret === undefined || provider.eventEndpoint === null || upserts.some((step) => step.id === provider.id)) continue;
      const before = declared('hosting-providers', current.find((record) => record.id === provider.id) ?? {});
      if (before.id === undefined) continue;
      upserts.push({
        action: 'update',
        section: 'hosting-providers',
        id: provider.id,
        before,
        after: { ...before, eventEndpoint: { url: provider.eventEndpoint.url, secret: '(rotated)' } },
        body: { eventEndpoint: { url: provider.eventEndpoint.url, secret } },
      });
    }
  }
  return { upserts, deletes };
}

const allowsHostingProviders = (edge: Record<string, unknown>) => edge.routingMode === 'dns-srv' && edge.allowFederatedUsers === true;

/**
 * The steps, ordered so each lands on a state the rules accept: an edge that allows hosting
 * providers first (one that forbids them last, once they are gone); providers deleted before
 * others are created (two may not serve one destination); policies, dial plans and rerouting
 * before the users and contacts that name them; principals deleted or revoked before the
 * policies they were granted.
 */
export function planApply(file: TenantFile, current: CurrentConfiguration, options: PlanOptions = {}): Plan {
  const problems: FieldIssue[] = [];
  if (file.voicemailPolicies !== undefined && !file.voicemailPolicies.some((policy) => policy.id === GLOBAL_POLICY_ID)) {
    problems.push({ field: 'voicemailPolicies', rule: 'global-policy-required', message: 'the global policy cannot be deleted: list it' });
  }
  if (file.voicemailPolicies !== undefined) {
    const declaredTags = new Set(file.voicemailPolicies.map((policy) => policy.id));
    for (const [section, principals] of [
      ['users', file.users],
      ['contacts', file.contacts],
    ] as const) {
      (principals ?? []).forEach((principal, index) => {
        const tag = principal.hostedVoicemailPolicy;
        if (tag !== null && !declaredTags.has(`tag:${tag}`)) {
          problems.push({
            field: `${section}.${index}.hostedVoicemailPolicy`,
            rule: 'policy-declared',
            message: `${principal.sipUri} is granted tag:${tag}, which voicemailPolicies does not declare`,
          });
        }
      });
    }
  }
  const edge = file.edge === undefined ? undefined : planSection('edge', [{ id: 'edge', ...file.edge }], [{ id: 'edge', ...current.edge }]);
  const edgeStep = edge?.upserts.map((step): PlanStep => ({ ...step, id: 'edge', body: declared('edge', step.after!) }))[0];
  const edgeFirst = edgeStep !== undefined && allowsHostingProviders(edgeStep.after!);
  // A singleton no rule ties to another object: replaced whole (PUT), first.
  const gatewaySettingsStep =
    file.gatewaySettings === undefined
      ? undefined
      : planSection(
          'gateway-settings',
          [{ id: 'gateway-settings', ...file.gatewaySettings }],
          [{ id: 'gateway-settings', ...(current.gatewaySettings ?? {}) }],
        ).upserts.map((step): PlanStep => ({ ...step, action: 'update', body: declared('gateway-settings', step.after!) }))[0];

  const providers = planProviders(file.hostingProviders, current.hostingProviders, options, problems);
  const policies = planSection('voicemail-policies', file.voicemailPolicies, current.voicemailPolicies);
  const dialPlans = planSection('dial-plans', file.dialPlans, current.dialPlans);
  const rerouting = planSection('rerouting', file.rerouting, current.rerouting);
  const users = planSection('users', file.users, current.users);
  const contacts = planSection('contacts', file.contacts, current.contacts);
  // Users are written whole (the batch route sets every field given), so an update sends them all.
  const userUpserts = users.upserts.map((step) => ({ ...step, body: step.after! }));

  const steps = [
    ...(gatewaySettingsStep === undefined ? [] : [gatewaySettingsStep]),
    ...(edgeFirst ? [edgeStep] : []),
    ...providers.deletes,
    ...providers.upserts,
    ...policies.upserts,
    ...dialPlans.upserts,
    ...rerouting.upserts,
    ...contacts.upserts,
    ...userUpserts,
    ...users.deletes,
    ...contacts.deletes,
    ...policies.deletes.filter((step) => step.id !== GLOBAL_POLICY_ID),
    ...dialPlans.deletes,
    ...rerouting.deletes,
    ...(edgeStep !== undefined && !edgeFirst ? [edgeStep] : []),
  ];
  return { steps, problems };
}

/** The file `export` writes: every section, each object with its declared fields only. */
export function exportTenantFile(tenant: string, current: CurrentConfiguration): Record<string, unknown> {
  return {
    apiVersion: 'exum-router/v1',
    kind: 'TenantConfiguration',
    tenant,
    edge: declared('edge', current.edge),
    ...(current.gatewaySettings === undefined ? {} : { gatewaySettings: declared('gateway-settings', current.gatewaySettings) }),
    hostingProviders: current.hostingProviders.map((record) => declared('hosting-providers', record)),
    voicemailPolicies: current.voicemailPolicies.map((record) => declared('voicemail-policies', record)),
    dialPlans: current.dialPlans.map((record) => declared('dial-plans', record)),
    rerouting: current.rerouting.map((record) => declared('rerouting', record)),
    users: current.users.map((record) => declared('users', record)),
    contacts: current.contacts.map((record) => declared('contacts', record)),
  };
}
