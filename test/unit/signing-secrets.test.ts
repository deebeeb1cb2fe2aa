// Providers' secrets in Secrets Manager (faked by aws-sdk-client-mock: there is none locally).
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { inlineVault, secretsManagerVault } from '../../lib/provider-events/signing-secrets.js';

const client = new SecretsManagerClient({ region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const secretsManager = mockClient(client);
afterEach(() => secretsManager.reset());

describe('the Secrets Manager vault', () => {
  it('creates a secret under the prefix and keeps only its ARN', async () => {
    secretsManager.on(CreateSecretCommand).resolves({ ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:exum-router/contoso/exo-AbCd' });
    const vault = secretsManagerVault(client, { prefix: 'exum-router' });
    expect(await vault.put('contoso/exo', 's3cret-value-of-24-chars!')).toBe(
      'arn:aws:secretsmanager:us-east-1:1:secret:exum-router/contoso/exo-AbCd',
    );
    expect(secretsManager.commandCalls(CreateSecretCommand)[0]!.args[0].input).toMatchObject({
      Name: 'exum-router/contoso/exo',
      SecretString: 's3cret-value-of-24-chars!',
    });
  });

  it('replaces the value when the provider is written again', async () => {
    secretsManager.on(CreateSecretCommand).rejects(new ResourceExistsException({ message: 'exists', $metadata: {} }));
    secretsManager.on(PutSecretValueCommand).resolves({ ARN: 'arn:1' });
    const vault = secretsManagerVault(client, { prefix: 'exum-router' });
    expect(await vault.put('contoso/exo', 'another-secret-of-24-chars')).toBe('arn:1');
  });

  it('reads a secret once per cache period', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'the-secret' });
    const vault = secretsManagerVault(client, { prefix: 'exum-router' });
    expect(await vault.get('arn:1')).toBe('the-secret');
    expect(await vault.get('arn:1')).toBe('the-secret');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('turns a Secrets Manager outage into our store-unavailable error', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    await expect(secretsManagerVault(client, { prefix: 'p' }).get('arn:2')).rejects.toMatchObject({ code: 'store-unavailable' });
  });
});

describe('the inline vault (local)', () => {
  it('keeps the value in the reference', async () => {
    const reference = await inlineVault.put('contoso/exo', 'local-secret');
    expect(await inlineVault.get(reference)).toBe('local-secret');
    expect(await inlineVault.get('arn:aws:secretsmanager:x')).toBeUndefined();
  });
});
