// A tenant's routing configuration as one snapshot (edge, providers, policies, dial plans,
// rerouting), and the invariants of section 4 that span several of its objects.
import type { FieldIssue } from '../errors.js';
import { edgeAllowsHostingProviders, type Edge } from './edge.js';
import { providersServing, type HostingProvider } from './hosting-provider.js';
import type { DialPlan } from './dial-plan.js';
import type { StoredGatewaySettings } from './gateway-settings.js';
import type { Rerouting } from './rerouting.js';
import type { Tenant } from './tenant.js';
import { GLOBAL_POLICY_ID, type VoicemailPolicy } from './voicemail-policy.js';

export interface TenantConfig {
  tenant: Tenant;
  edge: Edge;
  /** The gateway settings as written; null or absent: never written, the defaults apply (effectiveGatewaySettings). */
  gatewaySettings?: StoredGatewaySettings | null;
  providers: Map<string, HostingProvider>;
  policies: Map<string, VoicemailPolicy>;
  dialPlans: Map<string, DialPlan>;
  rerouting: Map<string, Rerouting>;
}

export type ConfigEntity = 'edge' | 'gateway-settings' | 'provider' | 'policy' | 'dial-plan' | 'rerouting';

interface Violation {
  /** Identifies the violation so one already present before a write does not block it. */
  key: string;
  code: 'duplicate' | 'conflict';
  rule: string;
  message: string;
  /** The field to name, depending on which kind of object the refused write changed. */
  field: Partial<Record<ConfigEntity, string>>;
  /** A rule about switching one object: only a change of that kind of object can break it. */
  onlyWhenChanging?: ConfigEntity;
}

function configViolations(config: TenantConfig): Violation[] {
  const violations: Violation[] = [];
  const providers = [...config.providers.values()];

  if (!config.policies.has(GLOBAL_POLICY_ID)) {
    violations.push({
      key: 'global-policy',
      code: 'conflict',
      rule: 'global-policy-required',
      message: 'the global hosted voicemail policy cannot be deleted',
      field: { policy: 'id' },
    });
  }

  const byProxy = new Map<string, string[]>();
  for (const provider of providers) byProxy.set(provider.proxyFqdn, [...(byProxy.get(provider.proxyFqdn) ?? []), provider.id]);
  for (const [proxyFqdn, ids] of byProxy) {
    if (ids.length > 1) {
      violations.push({
        key: `proxy:${proxyFqdn}`,
        code: 'duplicate',
        rule: 'unique-proxy-fqdn',
        message: `proxyFqdn ${proxyFqdn} is already used by provider ${ids[0]}`,
        field: { provider: 'proxyFqdn' },
      });
    }
  }

  if (config.edge.routingMode === 'default-route' && providers.length > 0) {
    violations.push({
      key: 'edge-default-route',
      code: 'conflict',
      rule: 'no-hosting-providers-on-default-route',
      message: `the edge cannot use default-route while hosting providers exist (${providers.map((p) => p.id).join(', ')})`,
      field: { edge: 'routingMode' },
      // Section 4 refuses switching the edge; a disabled provider may be created on
      // default-route (it cannot be enabled there, which the next rule refuses).
      onlyWhenChanging: 'edge',
    });
  }
  if (!edgeAllowsHostingProviders(config.edge)) {
    for (const provider of providers.filter((p) => p.enabled)) {
      violations.push({
        key: `enabled-provider:${provider.id}`,
        code: 'conflict',
        rule: 'provider-needs-dns-srv-and-federation',
        message: `provider ${provider.id} can be enabled only while the edge uses dns-srv routing with federated users allowed`,
        field: { provider: 'enabled', edge: config.edge.routingMode === 'dns-srv' ? 'allowFederatedUsers' : 'routingMode' },
      });
    }
  }

  for (const policy of config.policies.values()) {
    if (policy.destination === null) continue;
    const serving = providersServing(policy.destination, providers);
    if (serving.length > 1) {
      violations.push({
        key: `destination:${policy.id}`,
        code: 'conflict',
        rule: 'one-provider-per-destination',
        message: `providers ${serving.map((p) => p.id).join(' and ')} would both serve destination ${policy.destination} (policy ${policy.id})`,
        field: { policy: 'destination', provider: 'proxyFqdn' },
      });
    }
  }
  return violations;
}

/**
 * The invariant violations a configuration change would introduce, as field issues naming the
 * field of the changed object. Violations already present before the change do not block it.
 */
export function violationsIntroduced(
  before: TenantConfig,
  after: TenantConfig,
  changed: ConfigEntity,
): { code: 'duplicate' | 'conflict'; issues: FieldIssue[] } | undefined {
  const existing = new Set(configViolations(before).map((violation) => violation.key));
  const introduced = configViolations(after).filter(
    (violation) => !existing.has(violation.key) && (violation.onlyWhenChanging === undefined || violation.onlyWhenChanging === changed),
  );
  if (introduced.length === 0) return undefined;
  return {
    code: introduced.some((violation) => violation.code === 'conflict') ? 'conflict' : 'duplicate',
    issues: introduced.map((violation) => ({
      field: violation.field[changed] ?? 'id',
      rule: violation.rule,
      message: violation.message,
    })),
  };
}
