// The credential check, shared by the API Gateway authorizer and the local server: a bearer
// token becomes an Actor, or nothing (401). Revoked credentials no longer have a lookup item.
import type { Actor } from '../domain/credential.js';
import type { ExumStore } from '../store/exum-store.js';
import { bearerToken, hashToken } from './tokens.js';

export async function authenticate(store: ExumStore, authorization: string | undefined): Promise<Actor | undefined> {
  const token = bearerToken(authorization);
  if (token === undefined) return undefined;
  const credential = await store.credentials.getByTokenHash(hashToken(token));
  if (credential === undefined || credential.revokedAt !== null) return undefined;
  return {
    credentialId: credential.id,
    role: credential.role,
    tenantId: credential.tenantId,
    providerId: credential.providerId,
  };
}
