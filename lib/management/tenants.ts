// Use cases for tenants and credentials (operator work). A tenant is created with its domain
// claims, a default edge and its global policy in one transaction.
import type { Actor, Credential, CredentialCreate, CredentialRecord } from '../domain/credential.js';
import { defaultEdge } from '../domain/edge.js';
import type { Tenant, TenantCreate } from '../domain/tenant.js';
import { GLOBAL_POLICY_ID } from '../domain/voicemail-policy.js';
import { notFound } from '../errors.js';
import { omit } from '../omit.js';
import { generateCredentialId, generateToken, hashToken } from '../auth/tokens.js';
import type { Page } from '../store/table-client.js';
import { describeChange, stamp, type ManagementDeps, type WriteOptions, type WriteOutcome } from './write-context.js';

export async function createTenant(
  deps: ManagementDeps,
  actor: Actor,
  input: TenantCreate,
  options: WriteOptions,
): Promise<WriteOutcome<Tenant>> {
  const now = deps.now();
  const tenant = stamp({ ...input, configVersion: 0 }, null, actor, now);
  if (options.dryRun) {
    const taken = await deps.store.tenants.findTakenClaims(input);
    if (taken !== undefined) throw taken;
    return { dryRun: true, changes: [describeChange('tenant', input.id, null, input)], warnings: [] };
  }
  await deps.store.tenants.create(
    tenant,
    stamp(defaultEdge, null, actor, now),
    stamp({ id: GLOBAL_POLICY_ID, destination: null, organizations: [], description: 'Global hosted voicemail policy' }, null, actor, now),
  );
  return { dryRun: false, record: tenant, warnings: [] };
}

export async function getTenant(deps: ManagementDeps, tenantId: string): Promise<Tenant> {
  const tenant = await deps.store.tenants.get(tenantId);
  if (tenant === undefined) throw notFound(`tenant ${tenantId}`);
  return tenant;
}

export const listTenants = (deps: ManagementDeps, cursor: string | null, limit: number): Promise<Page<Tenant>> =>
  deps.store.tenants.list(cursor, limit);

export const publicCredential = (credential: CredentialRecord): Credential & { revokedAt: string | null } =>
  omit(credential, 'tokenHash', 'revokedBy');

/** A new credential; its token is in the answer and nowhere else, ever. */
export async function createCredential(
  deps: ManagementDeps,
  actor: Actor,
  tenantId: string,
  input: CredentialCreate,
  options: WriteOptions,
): Promise<WriteOutcome<{ credential: Credential; token: string }>> {
  await getTenant(deps, tenantId);
  const token = generateToken();
  const record: CredentialRecord = {
    id: generateCredentialId(),
    tenantId,
    role: input.role,
    name: input.name,
    providerId: input.providerId ?? null,
    createdAt: deps.now().toISOString(),
    createdBy: actor.credentialId,
    tokenHash: hashToken(token),
    revokedAt: null,
  };
  if (options.dryRun) {
    return { dryRun: true, changes: [describeChange('credential', record.id, null, publicCredential(record))], warnings: [] };
  }
  await deps.store.credentials.create(record);
  return { dryRun: false, record: { credential: publicCredential(record), token }, warnings: [] };
}

export async function listCredentials(deps: ManagementDeps, tenantId: string, cursor: string | null, limit: number) {
  await getTenant(deps, tenantId);
  const page = await deps.store.credentials.list(tenantId, cursor, limit);
  return { items: page.items.map(publicCredential), nextCursor: page.nextCursor };
}

export async function revokeCredential(
  deps: ManagementDeps,
  actor: Actor,
  tenantId: string,
  id: string,
  options: WriteOptions,
): Promise<WriteOutcome<null>> {
  const record = await deps.store.credentials.get(tenantId, id);
  if (record === undefined || record.revokedAt !== null) throw notFound(`credential ${id}`);
  if (options.dryRun) return { dryRun: true, changes: [describeChange('credential', id, publicCredential(record), null)], warnings: [] };
  await deps.store.credentials.revoke(record, deps.now().toISOString(), { credentialId: actor.credentialId, role: actor.role });
  return { dryRun: false, record: null, warnings: [] };
}

/** The local operator credential from EXUM_OPERATOR_TOKEN (or a generated one), installed at start. */
export async function installOperatorToken(deps: ManagementDeps, token: string): Promise<void> {
  await deps.store.credentials.putOperator({
    id: 'cred_operator_local',
    tenantId: null,
    role: 'operator',
    name: 'local operator',
    providerId: null,
    createdAt: deps.now().toISOString(),
    createdBy: 'local-server',
    tokenHash: hashToken(token),
    revokedAt: null,
  });
}
