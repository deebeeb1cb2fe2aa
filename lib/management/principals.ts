// Use cases for users and Exchange UM contacts. Each write:
//   1. reads the principal and the tenant's configuration,
//   2. decides the new record with the rules of sections 2 and 4 (tenant domain, granted tag
//      exists, hosted voicemail needs an effective destination, who may write which flag),
//   3. writes it with its number copy in one transaction, claiming the SIP address and number
//      and guarding the policies the decision relied on; a lost race re-runs from 1.
import { contactLineUri, type Contact, type ContactCreate, type ContactPatch } from '../domain/contact.js';
import type { Actor } from '../domain/credential.js';
import { providersServing } from '../domain/hosting-provider.js';
import type { Principal } from '../domain/principal.js';
import type { TenantConfig } from '../domain/tenant-config.js';
import { ownsDomain } from '../domain/tenant.js';
import type { User, UserCreate, UserPatch } from '../domain/user.js';
import { effectivePolicy, policyLookupOrder } from '../domain/voicemail-policy.js';
import { ExumError, notFound, refused } from '../errors.js';
import type { PolicyGuard } from '../store/changes.js';
import type { PrincipalFilter } from '../store/principal-store.js';
import type { Page } from '../store/table-client.js';
import { loadConfig } from './tenant-configuration.js';
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

type PrincipalType = Principal['type'];
export type Fields<T> = T extends unknown ? Omit<T, 'version' | 'createdAt' | 'updatedAt' | 'modifiedBy'> : never;

interface Decision {
  after: Fields<Principal> | null;
  guards: PolicyGuard[];
  warnings: string[];
}

/** The policies a principal's effective policy was found through: absent ones, then the one found. */
function guardsFor(holder: Fields<Principal>, config: TenantConfig): PolicyGuard[] {
  const guards: PolicyGuard[] = [];
  for (const id of policyLookupOrder(holder)) {
    const policy = config.policies.get(id);
    guards.push({ id, version: policy?.version ?? null });
    if (policy !== undefined) break;
  }
  return guards;
}

/** The rules every stored user or contact obeys, checked on the record about to be written. */
export function checkPrincipal(before: Principal | null, after: Fields<Principal>, config: TenantConfig): PolicyGuard[] {
  const host = after.sipUri.slice(after.sipUri.lastIndexOf('@') + 1);
  if (!ownsDomain(config.tenant, host)) {
    throw refused('sipUri', 'tenant-sip-domain', `${host} is not one of this tenant's SIP domains (${config.tenant.domains.join(', ')})`);
  }
  const guards: PolicyGuard[] = [];
  const tag = after.hostedVoicemailPolicy;
  if (tag !== null && tag !== before?.hostedVoicemailPolicy) {
    const policy = config.policies.get(`tag:${tag}`);
    if (policy === undefined) {
      throw refused('hostedVoicemailPolicy', 'policy-exists', `hosted voicemail policy tag:${tag} does not exist`);
    }
    guards.push({ id: policy.id, version: policy.version });
  }
  if (after.type === 'user' && after.hostedVoicemail.admin === true) {
    const relevantChange =
      before === null ||
      before.type !== 'user' ||
      before.hostedVoicemail.admin !== true ||
      before.site !== after.site ||
      before.hostedVoicemailPolicy !== after.hostedVoicemailPolicy;
    if (relevantChange) {
      const policy = effectivePolicy(after, config.policies);
      if (policy?.destination == null) {
        // Set-CsUser -HostedVoiceMail $true refuses the same.
        throw refused(
          'hostedVoicemail.admin',
          'hosted-voicemail-needs-destination',
          `hosted voicemail cannot be enabled: the effective policy (${policy?.id ?? 'none'}) has no destination`,
        );
      }
      return [...guards.filter((guard) => guard.id !== policy.id), ...guardsFor(after, config)];
    }
  }
  return guards;
}

async function writePrincipalChange<T extends Principal>(
  deps: ManagementDeps,
  actor: Actor,
  tenantId: string,
  type: PrincipalType,
  options: WriteOptions,
  sipUri: string | null,
  decide: (current: T | null, config: TenantConfig) => Decision,
): Promise<WriteOutcome<T>> {
  return untilWritten(async () => {
    const config = await loadConfig(deps, tenantId);
    const found = sipUri === null ? undefined : await deps.store.principals.get(tenantId, sipUri);
    if (sipUri !== null && (found === undefined || found.type !== type)) throw notFound(`${type} ${sipUri}`);
    const current = (found ?? null) as T | null;
    if (current !== null) checkIfMatch(options.ifMatch, current);

    const decision = decide(current, config);
    const guards = decision.after === null ? [] : [...decision.guards, ...checkPrincipal(current, decision.after, config)];
    // One clock reading: the record's updatedAt and the summary's last change are the same instant.
    const now = deps.now();
    const after = decision.after === null ? null : (stamp(decision.after, current, actor, now) as T);
    if (options.dryRun) {
      if (after !== null) {
        const taken = await deps.store.principals.findTakenClaims(tenantId, current, after);
        if (taken !== undefined) throw taken;
      }
      const id = (after ?? current)?.sipUri ?? '';
      return { dryRun: true, changes: [describeChange(type, id, withoutMeta(current), withoutMeta(after))], warnings: decision.warnings };
    }
    await deps.store.principals.write(
      tenantId,
      current,
      after,
      dedupeGuards(guards),
      { credentialId: actor.credentialId, role: actor.role },
      now.toISOString(),
    );
    return { dryRun: false, record: after, warnings: decision.warnings };
  });
}

export const dedupeGuards = (guards: PolicyGuard[]): PolicyGuard[] => [...new Map(guards.map((guard) => [guard.id, guard])).values()];

const definedOnly = <T extends object>(patch: T): Partial<T> =>
  Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;

export function forbidProviderFlag(hostedVoicemail: { provider?: boolean | null } | undefined): void {
  if (hostedVoicemail?.provider !== undefined) {
    throw new ExumError('forbidden', 'hostedVoicemail.provider is written only by the hosting provider', [
      { field: 'hostedVoicemail.provider', rule: 'provider-writes-provider-flag', message: 'only a provider credential writes this flag' },
    ]);
  }
}

/**
 * Set-CsUser warns the same when Exchange already manages the user's hosted voicemail: for an admin
 * value written (true or false). Clearing it (null) hands the user back to the provider's flag, so
 * nothing takes precedence over it and there is nothing to warn about.
 */
export function adminFlagWarnings(before: User | null, adminWritten: boolean | null | undefined): string[] {
  if (adminWritten === undefined || adminWritten === null || before === null || before.hostedVoicemail.provider === null) return [];
  return [
    `hostedVoicemail.provider is already set (${before.hostedVoicemail.provider}) by the hosting provider: another party manages this user's voicemail; the admin value now takes precedence`,
  ];
}

// --- users -------------------------------------------------------------------------------------

export function createUser(deps: ManagementDeps, actor: Actor, tenantId: string, input: UserCreate, options: WriteOptions) {
  forbidProviderFlag(input.hostedVoicemail);
  return writePrincipalChange<User>(deps, actor, tenantId, 'user', options, null, () => ({
    after: { type: 'user', ...input, hostedVoicemail: { admin: input.hostedVoicemail.admin ?? null, provider: null } },
    guards: [],
    warnings: [],
  }));
}

/** A user with a patch applied: absent fields are kept, null clears, nested objects merge. */
export function mergeUserPatch(user: Fields<User>, patch: UserPatch): Fields<User> {
  const { onPremisesUm, hostedVoicemail, ...fields } = patch;
  return {
    ...user,
    ...definedOnly(fields),
    onPremisesUm: { ...user.onPremisesUm, ...definedOnly(onPremisesUm ?? {}) },
    hostedVoicemail: { ...user.hostedVoicemail, ...definedOnly(hostedVoicemail ?? {}) },
  };
}

export function patchUser(deps: ManagementDeps, actor: Actor, tenantId: string, sipUri: string, patch: UserPatch, options: WriteOptions) {
  forbidProviderFlag(patch.hostedVoicemail);
  return writePrincipalChange<User>(deps, actor, tenantId, 'user', options, sipUri, (current) => {
    const user = current as User;
    return {
      after: mergeUserPatch(withoutMeta(user)!, patch),
      guards: [],
      warnings: adminFlagWarnings(user, patch.hostedVoicemail?.admin),
    };
  });
}

/** The provider's own flag (ExchangeHostedVoiceMail), for users whose voicemail it serves. */
export function setProviderFlag(
  deps: ManagementDeps,
  actor: Actor,
  tenantId: string,
  sipUri: string,
  value: boolean | null,
  options: WriteOptions,
) {
  return writePrincipalChange<User>(deps, actor, tenantId, 'user', options, sipUri, (current, config) => {
    const user = current as User;
    const policy = effectivePolicy(user, config.policies);
    const serving = policy?.destination == null ? [] : providersServing(policy.destination, [...config.providers.values()]);
    if (actor.role !== 'provider' || serving.length !== 1 || serving[0]?.id !== actor.providerId) {
      throw new ExumError('forbidden', `provider ${actor.providerId ?? '(none)'} does not serve this user's voicemail destination`, [
        {
          field: 'hostedVoicemail.provider',
          rule: 'own-provider-only',
          message: "the user's effective policy destination is not served by this provider",
        },
      ]);
    }
    return {
      after: { ...withoutMeta(user)!, hostedVoicemail: { ...user.hostedVoicemail, provider: value } },
      guards: guardsFor(user, config),
      warnings: [],
    };
  });
}

export function deleteUser(deps: ManagementDeps, actor: Actor, tenantId: string, sipUri: string, options: WriteOptions) {
  return writePrincipalChange<User>(deps, actor, tenantId, 'user', options, sipUri, () => ({ after: null, guards: [], warnings: [] }));
}

// --- contacts ----------------------------------------------------------------------------------

export function createContact(deps: ManagementDeps, actor: Actor, tenantId: string, input: ContactCreate, options: WriteOptions) {
  return writePrincipalChange<Contact>(deps, actor, tenantId, 'contact', options, null, () => ({
    after: { type: 'contact', ...input, lineUri: contactLineUri(input.displayNumber) },
    guards: [],
    warnings: [],
  }));
}

export function patchContact(
  deps: ManagementDeps,
  actor: Actor,
  tenantId: string,
  sipUri: string,
  patch: ContactPatch,
  options: WriteOptions,
) {
  return writePrincipalChange<Contact>(deps, actor, tenantId, 'contact', options, sipUri, (current) => {
    const next = { ...withoutMeta(current as Contact)!, ...definedOnly(patch) };
    return { after: { ...next, lineUri: contactLineUri(next.displayNumber) }, guards: [], warnings: [] };
  });
}

export function deleteContact(deps: ManagementDeps, actor: Actor, tenantId: string, sipUri: string, options: WriteOptions) {
  return writePrincipalChange<Contact>(deps, actor, tenantId, 'contact', options, sipUri, () => ({
    after: null,
    guards: [],
    warnings: [],
  }));
}

// --- reads -------------------------------------------------------------------------------------

export async function getPrincipal<T extends Principal>(
  deps: ManagementDeps,
  tenantId: string,
  type: T['type'],
  sipUri: string,
): Promise<T> {
  const principal = await deps.store.principals.get(tenantId, sipUri);
  if (principal === undefined || principal.type !== type) throw notFound(`${type} ${sipUri}`);
  return principal as T;
}

export async function listPrincipals(
  deps: ManagementDeps,
  tenantId: string,
  type: PrincipalType,
  filter: PrincipalFilter,
  cursor: string | null,
  limit: number,
): Promise<Page<Principal>> {
  if ((await deps.store.tenants.get(tenantId)) === undefined) throw notFound(`tenant ${tenantId}`);
  return deps.store.principals.list(tenantId, type, filter, cursor, limit);
}
