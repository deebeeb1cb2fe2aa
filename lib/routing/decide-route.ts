// The routing decision of the domain reference, section 3, as a pure function of the target,
// the object found for it and the tenant's configuration. No I/O: every rule is testable here.
// The tenant-domain check stands on its own (rejectOutsideTenant) so that resolveCall makes it
// before reading: a host outside the tenant's domains costs no read.
import type { Contact } from '../domain/contact.js';
import { isHostedContact } from '../domain/contact.js';
import { edgeAllowsHostingProviders } from '../domain/edge.js';
import { providersServing } from '../domain/hosting-provider.js';
import type { Principal } from '../domain/principal.js';
import type { TenantConfig } from '../domain/tenant-config.js';
import { ownsDomain } from '../domain/tenant.js';
import { isHostedVoicemail, type User } from '../domain/user.js';
import { effectivePolicy } from '../domain/voicemail-policy.js';
import { DIAGNOSTICS, type DiagnosticName } from './diagnostics.js';
import type { CallReason, Check, Hop, ResolveRequest } from './resolve-contract.js';
import type { Target } from './target.js';

/** The first hop is always a SIP server; only rerouting alternates are PSTN numbers. */
type FirstHop = Hop & { nextHop: string };

interface Common {
  diagnostic: { code: number; reason: string };
  checks: Check[];
  /** The object the target matched, for callers that explain or cache. */
  matched: { type: Principal['type']; sipUri: string } | null;
}

export type RouteDecision =
  | (Common & FirstHop & { decision: 'on-premises' | 'hosted'; alternates: Hop[]; dialPlanLabel: string })
  | (Common & {
      decision: 'reject';
      sipStatus: number;
      reasonPhrase: string;
      headers: Record<string, string>;
      alternates: Hop[];
      dialPlanLabel: string | null;
    });

export const VOICEMAIL_OPAQUE = ';opaque=app:voicemail';

/** FNV-1a: a stable, cheap spread of call ids over servers (not security-relevant). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

class Decision {
  readonly checks: Check[] = [];
  matched: Common['matched'] = null;

  check(step: string, found: string, ok = true): void {
    this.checks.push({ step, found, ok });
  }

  reject(name: DiagnosticName, dialPlanLabel: string | null = null): RouteDecision {
    const diagnostic = DIAGNOSTICS[name] as { code: number; reason: string; sipStatus: number; reasonPhrase: string };
    this.checks.push({
      step: 'decision',
      found: `reject ${diagnostic.sipStatus} ${diagnostic.reasonPhrase}: ${diagnostic.reason}`,
      ok: false,
    });
    return {
      decision: 'reject',
      sipStatus: diagnostic.sipStatus,
      reasonPhrase: diagnostic.reasonPhrase,
      headers: {},
      alternates: [],
      diagnostic: { code: diagnostic.code, reason: diagnostic.reason },
      dialPlanLabel,
      checks: this.checks,
      matched: this.matched,
    };
  }

  route(decision: 'on-premises' | 'hosted', primary: FirstHop, alternates: Hop[], dialPlanLabel: string): RouteDecision {
    const diagnostic = decision === 'hosted' ? DIAGNOSTICS.routedHosted : DIAGNOSTICS.routedOnPremises;
    this.checks.push({ step: 'decision', found: `${decision}: ${primary.nextHop} (${alternates.length} alternates)`, ok: true });
    return { decision, ...primary, alternates, diagnostic, dialPlanLabel, checks: this.checks, matched: this.matched };
  }
}

/** The principal's site, which rerouting and policy precedence look up. */
const siteOf = (principal: Principal): string | null => principal.site;

/** Section 3, step 6: the rerouting number for the principal's site (else global), when enabled. */
function reroutingAlternate(principal: Principal, reason: CallReason, config: TenantConfig, decision: Decision): Hop[] {
  const site = siteOf(principal);
  const rerouting = (site === null ? undefined : config.rerouting.get(`site:${site}`)) ?? config.rerouting.get('global');
  if (rerouting === undefined || !rerouting.enabled) {
    decision.check('rerouting', rerouting === undefined ? 'no rerouting configuration' : `${rerouting.id} is disabled`);
    return [];
  }
  // Diverted calls and auto attendant calls fall back to the auto attendant number.
  const number = reason === 'subscriber-access' ? rerouting.subscriberAccessNumber : rerouting.autoAttendantNumber;
  if (number === null) {
    decision.check('rerouting', `${rerouting.id} has no ${reason === 'subscriber-access' ? 'subscriber access' : 'auto attendant'} number`);
    return [];
  }
  decision.check('rerouting', `${rerouting.id}: last alternate tel:${number}`);
  return [{ nextHop: null, requestUri: `tel:${number}`, headers: {} }];
}

/** Users are reached at their address of record for voicemail; contacts at their SIP URI. */
const requestUriOf = (principal: Principal): string =>
  principal.type === 'user' ? `${principal.sipUri}${VOICEMAIL_OPAQUE}` : principal.sipUri;

function hostedRoute(principal: Principal, request: ResolveRequest, config: TenantConfig, decision: Decision): RouteDecision {
  const policy = effectivePolicy(principal, config.policies);
  if (policy?.destination == null) {
    decision.check('hosted voicemail policy', policy === undefined ? 'no policy applies' : `${policy.id} has no destination`, false);
    return decision.reject('noHostedDestination');
  }
  const label = `Hosted__${policy.destination}__${policy.organizations.join(',')}`;
  decision.check(
    'hosted voicemail policy',
    `${policy.id}: destination ${policy.destination}, organizations ${policy.organizations.join(',') || '(none)'}`,
  );

  const serving = providersServing(policy.destination, [...config.providers.values()]);
  if (serving.length !== 1) {
    decision.check(
      'hosting provider',
      serving.length === 0 ? `none serves ${policy.destination}` : `${serving.map((p) => p.id).join(', ')} all serve ${policy.destination}`,
      false,
    );
    return decision.reject(serving.length === 0 ? 'noProviderForDestination' : 'ambiguousProviderForDestination', label);
  }
  const provider = serving[0]!;
  // A provider carries hosted voicemail only when enabled, sharing the address space and not
  // hosting users: the one place of that rule, each part with its own diagnostic.
  if (!provider.enabled) {
    decision.check('hosting provider', `${provider.id} (${provider.proxyFqdn}) is not enabled`, false);
    return decision.reject('providerDisabled', label);
  }
  if (!provider.sharedAddressSpace || provider.hostsUsers) {
    decision.check(
      'hosting provider',
      `${provider.id}: sharedAddressSpace ${provider.sharedAddressSpace}, hostsUsers ${provider.hostsUsers}`,
      false,
    );
    return decision.reject('providerNotSharedAddressSpace', label);
  }
  decision.check('hosting provider', `${provider.id} (${provider.proxyFqdn}) enabled, shared address space`);
  if (!edgeAllowsHostingProviders(config.edge)) {
    decision.check('edge', `routingMode ${config.edge.routingMode}, allowFederatedUsers ${config.edge.allowFederatedUsers}`, false);
    return decision.reject('edgeNotFederated', label);
  }
  const nextHop = config.edge.nextHop ?? `sip:${provider.proxyFqdn}:5061;transport=tls`;
  decision.check(
    'edge',
    `dns-srv with federation; next hop ${nextHop}${config.edge.nextHop === null ? ' (the provider; no edge next hop configured)' : ''}`,
  );
  const primary: FirstHop = {
    nextHop,
    requestUri: requestUriOf(principal),
    headers: { 'Ms-Exum-Destination': policy.destination, 'Ms-Exum-Organization': policy.organizations.join(',') },
  };
  return decision.route('hosted', primary, reroutingAlternate(principal, request.reason, config, decision), label);
}

function onPremisesRoute(
  principal: Principal,
  request: ResolveRequest,
  config: TenantConfig,
  rotation: number,
  decision: Decision,
): RouteDecision {
  const dialPlanId = principal.type === 'user' ? principal.onPremisesUm.dialPlan : principal.onPremisesDialPlan;
  if (principal.type === 'user' && !principal.onPremisesUm.enabled) {
    decision.check('on-premises UM', 'the user is not enabled for UM', false);
    return decision.reject('notEnabledForUm');
  }
  const dialPlan = dialPlanId === null ? undefined : config.dialPlans.get(dialPlanId);
  if (dialPlan === undefined) {
    decision.check('on-premises UM', dialPlanId === null ? 'no dial plan' : `dial plan ${dialPlanId} is not known`, false);
    return decision.reject('unknownDialPlan', dialPlanId);
  }
  const highest = Math.max(...dialPlan.servers.map((server) => server.exchangeVersion));
  const candidates = dialPlan.servers.filter((server) => server.exchangeVersion === highest);
  if (candidates.length === 0) {
    decision.check('on-premises UM', `dial plan ${dialPlan.id} has no servers`, false);
    return decision.reject('noUmServers', dialPlan.id);
  }
  // Lync tries the servers round-robin and moves on when one does not answer: rotate per call.
  const start = (request.callId === undefined ? rotation : fnv1a(request.callId)) % candidates.length;
  const ordered = [...candidates.slice(start), ...candidates.slice(0, start)];
  decision.check(
    'on-premises UM',
    `dial plan ${dialPlan.id}: ${candidates.length} server(s) of Exchange ${highest}, starting at ${ordered[0]!.fqdn}`,
  );
  const requestUri = requestUriOf(principal);
  const [primary, ...others] = ordered.map((server): FirstHop => ({
    nextHop: `sip:${server.fqdn}:${server.port};transport=${server.transport}`,
    requestUri,
    headers: {},
  }));
  return decision.route(
    'on-premises',
    primary!,
    [...others, ...reroutingAlternate(principal, request.reason, config, decision)],
    dialPlan.id,
  );
}

/**
 * Step 1, before anything is read: a SIP target whose host is not one of the tenant's domains
 * is rejected (nothing of this tenant can be at it). Undefined for the tenant's own targets.
 */
export function rejectOutsideTenant(target: Target, config: TenantConfig): RouteDecision | undefined {
  if (target.kind === 'number' || ownsDomain(config.tenant, target.host)) return undefined;
  const decision = new Decision();
  decision.check('find object', `${target.host} is not one of this tenant's SIP domains`, false);
  return decision.reject('targetNotInTenantDomain');
}

/**
 * Decides where a voicemail-bound call to one of the tenant's targets goes (rejectOutsideTenant
 * let it through). `principal` is what the store found for the target (undefined: nothing);
 * `rotation` spreads calls without a call id over servers.
 */
export function decideForTenantTarget(
  request: ResolveRequest,
  principal: Principal | undefined,
  config: TenantConfig,
  rotation: number,
): RouteDecision {
  const decision = new Decision();
  const { target } = request;
  if (principal === undefined) {
    decision.check(
      'find object',
      target.kind === 'sip' ? `no user or contact is ${target.addressOfRecord}` : `no contact or user has ${target.lineUri}`,
      false,
    );
    return decision.reject(target.kind === 'sip' ? 'targetNotFound' : 'numberNotFound');
  }
  decision.matched = { type: principal.type, sipUri: principal.sipUri };
  decision.check('find object', `${principal.type} ${principal.sipUri}${principal.type === 'contact' ? ` (${principal.kind})` : ''}`);

  if (!principal.enabled) {
    decision.check('usable', 'disabled', false);
    return decision.reject('disabled');
  }
  if (!principal.enterpriseVoiceEnabled) {
    decision.check('usable', 'not enabled for Enterprise Voice', false);
    return decision.reject('notEnterpriseVoice');
  }
  decision.check('usable', 'enabled, Enterprise Voice');

  const hosted = principal.type === 'user' ? isHostedVoicemail(principal) : isHostedContact(principal);
  decision.check('hosted or on-premises', hostedExplanation(principal, hosted));
  return hosted ? hostedRoute(principal, request, config, decision) : onPremisesRoute(principal, request, config, rotation, decision);
}

/** The whole decision for any target, as resolveCall makes it with the store read in between. */
export const decideRoute = (request: ResolveRequest, principal: Principal | undefined, config: TenantConfig, rotation = 0): RouteDecision =>
  rejectOutsideTenant(request.target, config) ?? decideForTenantTarget(request, principal, config, rotation);

function hostedExplanation(principal: User | Contact, hosted: boolean): string {
  if (principal.type === 'contact')
    return hosted ? 'hosted contact (no on-premises dial plan)' : `on-premises contact (dial plan ${principal.onPremisesDialPlan})`;
  const { admin, provider } = principal.hostedVoicemail;
  const source =
    admin !== null
      ? `admin says ${admin}`
      : provider !== null
        ? `admin has not said; provider says ${provider}`
        : 'neither admin nor provider has said';
  return `${hosted ? 'hosted' : 'on-premises'} (${source})`;
}
