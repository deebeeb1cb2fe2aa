// Bearer tokens: 256 random bits, shown once, stored only as a SHA-256 hash. A fast hash is
// enough here: the token is random and long, so there is no dictionary to guess from.
import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PREFIX = 'exum_';

export const generateToken = (): string => `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export const generateCredentialId = (): string => `cred_${randomBytes(9).toString('base64url')}`;

/** The token of an `Authorization: Bearer <token>` header, or undefined when absent or malformed. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer ([A-Za-z0-9_\-.~+/]{16,256}=*)$/.exec(authorization?.trim() ?? '');
  return match?.[1];
}
