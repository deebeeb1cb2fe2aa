// Use cases for a tenant's routing configuration: the edge, hosting providers, voicemail
// policies, dial plans and rerouting. Each write:
//   1. loads the tenant's configuration snapshot,
//   2. decides the change (404, If-Match, per-object rules) with pure code,
//   3. checks the invariants that span objects on the snapshot the change would produce,
//   4. writes conditionally on the snapshot's config version, or re-runs from 1 if it moved.
import type { Actor } from '../domain/credential.js';
import type { RecordMeta } from '../domain/fields.js';
import type { DialPlan, DialPlanCreate, DialPlanPatch } from '../domain/dial-plan.js';
import type { Edge, EdgeInput } from '../domain/edge.js';
import { effectiveGatewaySettings, type GatewaySettings, type GatewaySettingsInput } from '../domain/gateway-settings.js';
import { endpointUrlRefusal, STRICT_ENDPOINT_POLICY } from '../domain/endpoint-rules.js';
import {
  publicHostingProvider,
  type HostingProvider,
  type HostingProviderCreate,
  type HostingProviderPatch,
} from '../domain/hosting-provider.js';
import type { Rerouting, ReroutingCreate, ReroutingPatch } from '../domain/rerouting.js';
import { violationsIntroduced, type TenantConfig } from '../domain/tenant-config.js';
import {
  GLOBAL_POLICY_ID,
  type VoicemailPolicy,
  type VoicemailPolicyCreate,
  type VoicemailPolicyPatch,
} from '../domain/voicemail-policy.js';
import { ExumError, invalid, notFound, refused } from '../errors.js';
import type { ConfigChange } from '../store/changes.js';
import {
  checkIfMatch,
  describeChange,
  stamp,
  untilWritten,
  withoutMeta,
  type ManagementDeps,
  type WriteOptions,
  type WriteOutcome,
} from './write-context.js';
import { refuseIfOffboarding } from './tenants.js';

export async function loadConfig(deps: ManagementDeps, tenantId: string): Promise<TenantConfig> {
  const config = await deps.store.configuration.load(tenantId);
  if (config === undefined) throw notFound(`tenant ${tenantId}`);
  refuseIfOffboarding(config.tenant);
  return config;
}

/** The snapshot as it would be after a change, for the invariant checks. */
function applyToSnapshot(config: TenantConfig, change: ConfigChange): TenantConfig {
  const next: TenantConfig = {
    ...config,
    providers: new Map(config.providers),
    policies: new Map(config.policies),
    dialPlans: new Map(config.dialPlans),
    rerouting: new Map(config.rerouting),
  };
  const replace = <T extends { id: string }>(map: Map<string, T>, before: T | null, after: T | null) => {
    if (before !== null) map.delete(before.id);
    if (after !== null) map.set(after.id, after);
  };
  switch (change.entity) {
    case 'edge':
      next.edge = change.after;
      break;
    case 'gateway-settings':
      next.gatewaySettings = change.after;
      break;
    case 'provider':
      replace(next.providers, change.before, change.after);
      break;
    case 'policy':
      replace(next.policies, change.before, change.after);
      break;
    case 'dial-plan':
      replace(next.dialPlans, change.before, change.after);
      break;
    case 'rerouting':
      replace(next.rerouting, change.before, change.after);
      break;
  }
  return next;
}

async function writeConfigChange<T>(
  deps: ManagementDeps,
  actor: Actor,
  tenantId: string,
  options: WriteOptions,
  decide: (config: TenantConfig, now: Date) => ConfigChange,
  present: (record: NonNullable<ConfigChange['after']>) => T,
): Promise<WriteOutcome<T>> {
  return untilWritten(async () => {
    const config = await loadConfig(deps, tenantId);
    const now = deps.now();
    const change = decide(config, now);
    const violations = violationsIntroduced(config, applyToSnapshot(config, change), change.entity);
    if (violations !== undefined) {
      throw new ExumError(violations.code, violations.issues.map((issue) => issue.message).join('; '), violations.issues);
    }
    const show = (record: ConfigChange['after']) => (record === null ? null : withoutMeta(present(record) as never));
    if (options.dryRun) {
      const id =
        change.entity === 'edge' || change.entity === 'gateway-settings'
          ? change.entity
          : ((change.after ?? change.before) as { id: string }).id;
      return { dryRun: true, changes: [describeChange(change.entity, id, show(change.before), show(change.after))], warnings: [] };
    }
    await deps.store.configuration.write(config, change, now.toISOString(), { credentialId: actor.credentialId, role: actor.role });
    return { dryRun: false, record: change.after === null ? null : present(change.after), warnings: [] };
  });
}

// --- edge --------------------------------------------------------------------------------------

export async function getEdge(deps: ManagementDeps, tenantId: string): Promise<Edge> {
  return (await loadConfig(deps, tenantId)).edge;
}

export function putEdge(deps: ManagementDeps, actor: Actor, tenantId: string, input: EdgeInput, options: WriteOptions) {
  return writeConfigChange(
    deps,
    actor,
    tenantId,
    options,
    (config, now) => {
      checkIfMatch(options.ifMatch, config.edge);
      return { entity: 'edge', before: config.edge, after: stamp(input, config.edge, actor, now) };
    },
    (edge) => edge as Edge,
  );
}

// --- gateway settings ---------------------------------------------------------------------------

export async function getGatewaySettings(deps: ManagementDeps, tenantId: string): Promise<GatewaySettings> {
  return effectiveGatewaySettings((await loadConfig(deps, tenantId)).gatewaySettings ?? null);
}

/** Replaces the gateway settings; If-Match "0" names the defaults of a tenant that never wrote them. */
export function putGatewaySettings(
  deps: ManagementDeps,
  actor: Actor,
  tenantId: string,
  input: GatewaySettingsInput,
  options: WriteOptions,
) {
  return writeConfigChange(
    deps,
    actor,
    tenantId,
    options,
    (config, now) => {
      const before = config.gatewaySettings ?? null;
      checkIfMatch(options.ifMatch, effectiveGatewaySettings(before));
      return { entity: 'gateway-settings', before, after: stamp(input, before, actor, now) };
    },
    (settings) => settings as GatewaySettings,
  );
}

// --- the collections ---------------------------------------------------------------------------

interface Collection<R extends { id: string } & RecordMeta, C extends { id: string }, P> {
  entity: 'provider' | 'policy' | 'dial-plan' | 'rerouting';
  label: string;
  records: (config: TenantConfig) => Map<string, R>;
  fromPatch: (current: R, patch: P) => Omit<R, 'version' | 'createdAt' | 'updatedAt' | 'modifiedBy'>;
  fromCreate: (input: C) => Omit<R, 'version' | 'createdAt' | 'updatedAt' | 'modifiedBy'>;
  /** Refuses deleting what must not be deleted, before the invariant checks. */
  checkDelete?: (record: R) => void;
  /** Clean-up once a record is gone (its secret). */
  afterRemove?: (deps: ManagementDeps, record: R) => Promise<void>;
  /** Work before deciding (a provider's secret goes to the vault); dry runs write nothing there. */
  prepare?: <I extends object>(deps: ManagementDeps, tenantId: string, id: string, input: I, dryRun: boolean) => Promise<I>;
  present: (record: R) => unknown;
}

function collectionUseCases<R extends { id: string } & RecordMeta, C extends { id: string }, P>(collection: Collection<R, C, P>) {
  const find = (config: TenantConfig, id: string): R => {
    const record = collection.records(config).get(id);
    if (record === undefined) throw notFound(`${collection.label} ${id}`);
    return record;
  };
  const change = (before: R | null, after: R | null) => ({ entity: collection.entity, before, after }) as ConfigChange;
  const present = (record: NonNullable<ConfigChange['after']>) =>
    // eslint-disable-next-line no-restricted-syntax -- a change of this collection's entity holds its R; ConfigChange is the union of all of them
    collection.present(record as unknown as R);

  return {
    async list(deps: ManagementDeps, tenantId: string): Promise<unknown[]> {
      const config = await loadConfig(deps, tenantId);
      return [...collection.records(config).values()].sort((a, b) => a.id.localeCompare(b.id)).map(collection.present);
    },
    async get(deps: ManagementDeps, tenantId: string, id: string) {
      const record = find(await loadConfig(deps, tenantId), id);
      return { record: collection.present(record), version: record.version };
    },
    async create(deps: ManagementDeps, actor: Actor, tenantId: string, given: C, options: WriteOptions) {
      const input = collection.prepare === undefined ? given : await collection.prepare(deps, tenantId, given.id, given, options.dryRun);
      return writeConfigChange(
        deps,
        actor,
        tenantId,
        options,
        (config, now) => {
          if (collection.records(config).has(input.id)) {
            throw new ExumError('duplicate', `${collection.label} ${input.id} already exists`, [
              { field: 'id', rule: `unique-${collection.entity}-id`, message: `${input.id} already exists` },
            ]);
          }
          return change(null, stamp(collection.fromCreate(input), null, actor, now) as R);
        },
        present,
      );
    },
    async patch(deps: ManagementDeps, actor: Actor, tenantId: string, id: string, given: P, options: WriteOptions) {
      const patch =
        collection.prepare === undefined ? given : await collection.prepare(deps, tenantId, id, given as P & object, options.dryRun);
      return writeConfigChange(
        deps,
        actor,
        tenantId,
        options,
        (config, now) => {
          const current = find(config, id);
          checkIfMatch(options.ifMatch, current);
          return change(current, stamp(collection.fromPatch(current, patch), current, actor, now) as R);
        },
        present,
      );
    },
    async remove(deps: ManagementDeps, actor: Actor, tenantId: string, id: string, options: WriteOptions) {
      let removed: R | undefined;
      const outcome = await writeConfigChange(
        deps,
        actor,
        tenantId,
        options,
        (config) => {
          const current = find(config, id);
          checkIfMatch(options.ifMatch, current);
          collection.checkDelete?.(current);
          removed = current;
          return change(current, null);
        },
        present,
      );
      if (!options.dryRun && removed !== undefined) await collection.afterRemove?.(deps, removed);
      return outcome;
    },
  };
}

/** A PATCH: fields present in the body replace the record's; null clears a nullable field. */
const merge = <R extends RecordMeta, P extends object>(current: R, patch: P) =>
  ({ ...withoutMeta(current), ...Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) }) as never;

/**
 * A provider's event endpoint as written (url and secret) becomes url and a reference to the
 * secret in the vault. A dry run writes nothing: its reference is a placeholder.
 */
async function storeSecret<I extends object>(deps: ManagementDeps, tenantId: string, id: string, input: I, dryRun: boolean): Promise<I> {
  const endpoint = (input as { eventEndpoint?: { url: string; secret: string } | null }).eventEndpoint;
  if (endpoint === undefined || endpoint === null) return input;
  // The endpoint rules (issue 15): only the provider can be reached, whoever writes the URL.
  const refusal = endpointUrlRefusal(endpoint.url, deps.endpointPolicy ?? STRICT_ENDPOINT_POLICY);
  if (refusal !== undefined) throw invalid('eventEndpoint.url', refusal.rule, refusal.message);
  const secretRef = dryRun ? '(stored on write)' : await deps.secrets.put(`${tenantId}/${id}`, endpoint.secret);
  return { ...input, eventEndpoint: { url: endpoint.url, secretRef } };
}

export const hostingProviders = collectionUseCases<HostingProvider, HostingProviderCreate, HostingProviderPatch>({
  entity: 'provider',
  label: 'hosting provider',
  records: (config) => config.providers,
  fromCreate: (input) => input as Omit<HostingProvider, 'version' | 'createdAt' | 'updatedAt' | 'modifiedBy'>,
  prepare: (deps, tenantId, id, input, dryRun) => storeSecret(deps, tenantId, id, input, dryRun),
  afterRemove: async (deps, provider) => {
    if (provider.eventEndpoint !== null) await deps.secrets.remove(provider.eventEndpoint.secretRef);
  },
  fromPatch: (current, patch) => {
    if (patch.proxyFqdn !== undefined && patch.proxyFqdn !== current.proxyFqdn) {
      // Lync: ProxyFqdn cannot be changed; remove the provider and create it again.
      throw refused('proxyFqdn', 'proxy-fqdn-immutable', 'proxyFqdn cannot be changed: delete the provider and create it again');
    }
    return merge(current, patch);
  },
  present: publicHostingProvider,
});

export const voicemailPolicies = collectionUseCases<VoicemailPolicy, VoicemailPolicyCreate, VoicemailPolicyPatch>({
  entity: 'policy',
  label: 'voicemail policy',
  records: (config) => config.policies,
  fromCreate: (input) => input,
  fromPatch: merge,
  checkDelete: (policy) => {
    if (policy.id === GLOBAL_POLICY_ID) {
      throw refused('id', 'global-policy-required', 'the global hosted voicemail policy cannot be deleted; set its fields instead');
    }
  },
  present: (policy) => policy,
});

export const dialPlans = collectionUseCases<DialPlan, DialPlanCreate, DialPlanPatch>({
  entity: 'dial-plan',
  label: 'dial plan',
  records: (config) => config.dialPlans,
  fromCreate: (input) => input,
  fromPatch: merge,
  present: (dialPlan) => dialPlan,
});

export const reroutingConfigurations = collectionUseCases<Rerouting, ReroutingCreate, ReroutingPatch>({
  entity: 'rerouting',
  label: 'voicemail rerouting configuration',
  records: (config) => config.rerouting,
  fromCreate: (input) => input,
  fromPatch: merge,
  present: (rerouting) => rerouting,
});
