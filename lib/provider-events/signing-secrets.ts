// Where hosting providers' signing secrets live. Records hold only a reference: in AWS the
// secret is in Secrets Manager (the reference is its ARN); locally, where there is no Secrets
// Manager, the reference carries the value itself. Either way the API never returns it.
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { storeUnavailable } from '../errors.js';

export interface SecretVault {
  /** Stores a secret under a stable name; returns the reference to keep in the record. */
  put(name: string, value: string): Promise<string>;
  get(reference: string): Promise<string | undefined>;
  /** Best effort: a secret whose provider is gone. */
  remove(reference: string): Promise<void>;
}

const INLINE = 'inline:';

/** The local vault: the reference is the secret (DynamoDB Local has no Secrets Manager beside it). */
export const inlineVault: SecretVault = {
  put: (_name, value) => Promise.resolve(`${INLINE}${value}`),
  get: (reference) => Promise.resolve(reference.startsWith(INLINE) ? reference.slice(INLINE.length) : undefined),
  remove: () => Promise.resolve(),
};

/** Secrets Manager, with values cached in process for `cacheMs` (a rotated secret arrives within it). */
export function secretsManagerVault(client: SecretsManagerClient, options: { prefix: string; cacheMs?: number }): SecretVault {
  const cache = new Map<string, { value: string; at: number }>();
  const cacheMs = options.cacheMs ?? 5 * 60_000;
  const call = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      throw error instanceof ResourceExistsException ? error : storeUnavailable(error);
    }
  };
  return {
    async put(name, value) {
      const secretId = `${options.prefix}/${name}`;
      try {
        const created = await call(() =>
          client.send(
            new CreateSecretCommand({
              Name: secretId,
              SecretString: value,
              Description: 'exum-router hosting provider event signing secret',
            }),
          ),
        );
        return created.ARN ?? secretId;
      } catch (error) {
        if (!(error instanceof ResourceExistsException)) throw error;
        const updated = await call(() => client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value })));
        cache.delete(updated.ARN ?? secretId);
        return updated.ARN ?? secretId;
      }
    },
    async get(reference) {
      const hit = cache.get(reference);
      if (hit !== undefined && Date.now() - hit.at < cacheMs) return hit.value;
      const result = await call(() => client.send(new GetSecretValueCommand({ SecretId: reference })));
      if (result.SecretString === undefined) return undefined;
      cache.set(reference, { value: result.SecretString, at: Date.now() });
      return result.SecretString;
    },
    async remove(reference) {
      cache.delete(reference);
      // Best effort: no provider names it any more, so nothing reads it; a provider of the same id reuses it.
      await client.send(new DeleteSecretCommand({ SecretId: reference, RecoveryWindowInDays: 7 })).catch(() => undefined);
    },
  };
}

/** The vault the configuration names: Secrets Manager under a prefix, else inline. */
export function createSecretVault(config: { providerSecretsPrefix?: string; region: string }): SecretVault {
  return config.providerSecretsPrefix === undefined
    ? inlineVault
    : secretsManagerVault(new SecretsManagerClient({ region: config.region }), { prefix: config.providerSecretsPrefix });
}
