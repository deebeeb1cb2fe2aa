// Operator credentials with a lifecycle (issue 15, items 2 and 3): listed, created and revoked
// by operators only, never the last one; a bootstrap token replaced by a new one is revoked;
// starts without EXUM_OPERATOR_TOKEN on a data directory add no credential; and a revoked
// credential is refused by the next request on the instance that revoked it (its cache trusts
// checks for 60 s here on purpose), and within the 5 s bound elsewhere.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createCachedAuthenticator, REVOCATION_BOUND_MS } from '../../lib/auth/credential-cache.js';
import { hashToken } from '../../lib/auth/tokens.js';
import { ensureTable } from '../../lib/store/create-table.js';
import { DEFAULT_CREDENTIAL_CACHE_MS, startLocalService } from '../../local/local-service.js';
import { expectCreated } from '../support/fixtures.js';
import { apiClient, OPERATOR_TOKEN, testDynamoClient, useTestService } from '../support/service.js';

// A long credential cache: a revocation made through this instance must not wait for it.
const context = useTestService(
  async (api) => {
    await expectCreated(api.post('/v1/tenants', { id: 'contoso', name: 'Contoso', domains: ['contoso.com'] }));
  },
  { credentialCacheMs: 60_000 },
);
const { api } = context;

interface Listed {
  id: string;
  name: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: { credentialId: string } | null;
}
const listOperators = async (token = OPERATOR_TOKEN): Promise<Listed[]> => {
  const answer = await api.get('/v1/operator-credentials?limit=100', { token });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.items;
};

describe('operator credentials through the API', () => {
  it('lists the bootstrap credential the service started with, never a token or its hash', async () => {
    const items = await listOperators();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ name: 'bootstrap operator', createdBy: 'bootstrap', revokedAt: null, role: 'operator' });
    expect(JSON.stringify(items)).not.toContain(hashToken(OPERATOR_TOKEN));
    expect(items[0]).not.toHaveProperty('tokenHash');
    expect(items[0]).not.toHaveProperty('token');
  });

  it('creates one whose token is shown once and works for every tenant', async () => {
    const created = await api.post('/v1/operator-credentials', { name: 'alice (SRE)' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'alice (SRE)', role: 'operator', tenantId: null, revokedAt: null });
    expect(created.body.token).toMatch(/^exum_/);
    expect(await context.service.snapshot()).not.toContain(created.body.token);
    expect((await api.get('/v1/tenants/contoso', { token: created.body.token })).status).toBe(200);
    const listed = (await listOperators()).find((item) => item.id === created.body.id);
    expect(listed).toMatchObject({ name: 'alice (SRE)', revokedAt: null });
    expect(listed).not.toHaveProperty('token');
  });

  it('names the field and the rule of a bad create', async () => {
    const answer = await api.post('/v1/operator-credentials', { name: '' });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0]).toMatchObject({ field: 'name' });
  });

  it('refuses every other role with a 403 problem', async () => {
    for (const role of ['server-admin', 'user-admin', 'reader', 'gateway'] as const) {
      const { token } = await expectCreated(api.post('/v1/tenants/contoso/credentials', { role, name: role }));
      for (const answer of [
        await api.get('/v1/operator-credentials', { token }),
        await api.post('/v1/operator-credentials', { name: 'mine' }, { token }),
        await api.delete('/v1/operator-credentials/cred_whatever', { token }),
      ]) {
        expect(answer.status, role).toBe(403);
        expect(answer.headers.get('content-type')).toContain('application/problem+json');
      }
    }
  });
});

describe('a revocation is refused by the next request on the instance that made it', () => {
  it('a tenant credential used just before (so cached for 60 s) is refused at once', async () => {
    const { id, token } = await expectCreated(api.post('/v1/tenants/contoso/credentials', { role: 'user-admin', name: 'leaver' }));
    expect((await api.get('/v1/tenants/contoso/users', { token })).status).toBe(200);
    expect((await api.get('/v1/tenants/contoso/users', { token })).status).toBe(200);
    expect((await api.delete(`/v1/tenants/contoso/credentials/${id}`)).status).toBe(204);
    expect((await api.get('/v1/tenants/contoso/users', { token })).status).toBe(401);
    expect((await api.post('/v1/tenants/contoso/users', { sipUri: 'sip:late@contoso.com' }, { token })).status).toBe(401);
  });

  it('an operator credential used just before is refused at once, and listed as revoked by whom', async () => {
    const { id, token } = await expectCreated(api.post('/v1/operator-credentials', { name: 'bob (left)' }));
    expect((await api.get('/v1/tenants', { token })).status).toBe(200);
    const revoked = await api.delete(`/v1/operator-credentials/${id}`);
    expect(revoked.status).toBe(204);
    expect((await api.get('/v1/tenants', { token })).status).toBe(401);
    const listed = (await listOperators()).find((item) => item.id === id);
    expect(listed?.revokedAt).not.toBeNull();
    expect(listed?.revokedBy?.credentialId).toBe((await listOperators()).find((item) => item.createdBy === 'bootstrap')?.id);
    // Revoked is revoked: a second revocation finds nothing to revoke.
    expect((await api.delete(`/v1/operator-credentials/${id}`)).status).toBe(404);
  });
});

describe('another instance refuses a revoked credential within the bound', () => {
  it('trusts a check for at most 5 s (the default), so a revocation made elsewhere is refused by then', async () => {
    expect(DEFAULT_CREDENTIAL_CACHE_MS).toBeLessThanOrEqual(5_000);
    expect(DEFAULT_CREDENTIAL_CACHE_MS).toBe(REVOCATION_BOUND_MS);
    let clock = 1_000_000;
    const elsewhere = createCachedAuthenticator(context.service.store, { ttlMs: DEFAULT_CREDENTIAL_CACHE_MS, now: () => clock });
    const { id, token } = await expectCreated(api.post('/v1/tenants/contoso/credentials', { role: 'reader', name: 'elsewhere' }));
    expect((await elsewhere(`Bearer ${token}`))?.credentialId).toBe(id);
    // Revoked by another process: straight in the store, nothing of this process told.
    const record = await context.service.store.credentials.get('contoso', id);
    await context.service.store.credentials.revoke(record!, new Date().toISOString(), { credentialId: 'cred_other', role: 'operator' });
    clock += REVOCATION_BOUND_MS - 1;
    expect(await elsewhere(`Bearer ${token}`)).toBeDefined(); // the bound is a bound: it may be used up
    clock += 1;
    expect(await elsewhere(`Bearer ${token}`)).toBeUndefined();
  });
});

describe('the bootstrap at start', () => {
  const endpoint = () => context.service.dynamoEndpoint;
  const startOn = (tableName: string, operatorToken: string) =>
    startLocalService({
      port: 0,
      tableName,
      operatorToken,
      dynamoEndpoint: endpoint(),
      logLevel: 'SILENT',
      streamProcessor: false,
      credentialCacheMs: 60_000,
      storeRequestTimeoutMs: 15_000,
    });

  it('a start with another token revokes the previous bootstrap credential; the same token adds nothing', async () => {
    const tableName = `bootstrap-${Date.now()}`;
    const first = await startOn(tableName, 'exum_first_bootstrap_token_0000000001');
    expect(first.operatorBootstrap.action).toBe('created');
    await first.stop();
    const second = await startOn(tableName, 'exum_second_bootstrap_token_000000001');
    try {
      expect(second.operatorBootstrap).toMatchObject({ action: 'replaced', revoked: [first.operatorBootstrap.credentialId] });
      const client = apiClient(second);
      expect((await client.get('/v1/tenants', { token: 'exum_first_bootstrap_token_0000000001' })).status).toBe(401);
      const listed = await client.get('/v1/operator-credentials', { token: 'exum_second_bootstrap_token_000000001' });
      expect(listed.status).toBe(200);
      expect(listed.body.items.filter((item: Listed) => item.revokedAt === null).map((item: Listed) => item.id)).toEqual([
        second.operatorBootstrap.credentialId,
      ]);
      expect(listed.body.items).toHaveLength(2);
    } finally {
      await second.stop();
    }
    const third = await startOn(tableName, 'exum_second_bootstrap_token_000000001');
    try {
      expect(third.operatorBootstrap).toMatchObject({ action: 'unchanged', credentialId: second.operatorBootstrap.credentialId });
      const listed = await apiClient(third).get('/v1/operator-credentials', { token: 'exum_second_bootstrap_token_000000001' });
      expect(listed.body.items).toHaveLength(2);
    } finally {
      await third.stop();
    }
    // A revoked token never comes back.
    await expect(startOn(tableName, 'exum_first_bootstrap_token_0000000001')).rejects.toThrow(/revoked/);
  });

  it('never revokes the last active operator credential (rule last-operator-credential), dry run included', async () => {
    const service = await startOn(`last-${Date.now()}`, 'exum_last_operator_token_00000000001');
    try {
      const admin = apiClient(service, 'exum_last_operator_token_00000000001');
      const own = service.operatorBootstrap.credentialId;
      for (const path of [`/v1/operator-credentials/${own}?dryRun=true`, `/v1/operator-credentials/${own}`]) {
        const refused = await admin.delete(path);
        expect(refused.status).toBe(409);
        expect(refused.body.errors[0]).toMatchObject({ field: 'credentialId', rule: 'last-operator-credential' });
      }
      const other = await expectCreated(admin.post('/v1/operator-credentials', { name: 'successor' }));
      const successor = apiClient(service, other.token);
      expect((await successor.delete(`/v1/operator-credentials/${own}`)).status).toBe(204);
      expect((await admin.get('/v1/tenants')).status).toBe(401);
      expect((await successor.delete(`/v1/operator-credentials/${other.id}`)).body.errors[0].rule).toBe('last-operator-credential');
      expect((await successor.get('/v1/tenants')).status).toBe(200);
    } finally {
      await service.stop();
    }
  });

  it('two operators revoking each other at once leave one of them active', async () => {
    const service = await startOn(`mutual-${Date.now()}`, 'exum_mutual_operator_token_0000000001');
    try {
      const first = apiClient(service, 'exum_mutual_operator_token_0000000001');
      const other = await expectCreated(first.post('/v1/operator-credentials', { name: 'other' }));
      const second = apiClient(service, other.token);
      const answers = await Promise.all([
        first.delete(`/v1/operator-credentials/${other.id}`),
        second.delete(`/v1/operator-credentials/${service.operatorBootstrap.credentialId}`),
      ]);
      expect(answers.filter((answer) => answer.status === 204).length, JSON.stringify(answers.map((a) => a.body))).toBeLessThanOrEqual(1);
      const active = (await service.store.credentials.list(null, null, 100)).items.filter((record) => record.revokedAt === null);
      expect(active).toHaveLength(1);
    } finally {
      await service.stop();
    }
  });

  it('removes the operator token an older version installed without a record, which nothing could revoke', async () => {
    const tableName = `legacy-${Date.now()}`;
    const client = testDynamoClient(endpoint());
    try {
      await ensureTable(client, tableName);
      const legacy = 'exum_legacy_operator_token_0000000001';
      // What installOperatorToken wrote: the lookup item alone.
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: marshall({
            pk: `CRED#${hashToken(legacy)}`,
            sk: 'CREDENTIAL',
            entity: 'credential',
            id: 'cred_operator_local',
            tenantId: null,
            role: 'operator',
            name: 'local operator',
            providerId: null,
            createdAt: new Date().toISOString(),
            createdBy: 'local-server',
            tokenHash: hashToken(legacy),
            revokedAt: null,
          }),
        }),
      );
      const service = await startOn(tableName, 'exum_new_bootstrap_token_00000000001');
      try {
        expect(service.operatorBootstrap.removedUnrecorded).toBe(1);
        expect((await apiClient(service).get('/v1/tenants', { token: legacy })).status).toBe(401);
        expect((await apiClient(service).get('/v1/tenants', { token: 'exum_new_bootstrap_token_00000000001' })).status).toBe(200);
      } finally {
        await service.stop();
      }
    } finally {
      client.destroy();
    }
  });
});

describe('npm start on a data directory', () => {
  const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const EXUM_LOCAL = fileURLToPath(new URL('../../local/exum-local.ts', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'exum-operator-token-'));
  const dataDir = join(dir, 'data');
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  async function startNpm(env: Record<string, string>) {
    const environment: Record<string, string | undefined> = { ...process.env, ...env };
    if (!('EXUM_OPERATOR_TOKEN' in env)) delete environment.EXUM_OPERATOR_TOKEN;
    const child = spawn(process.execPath, ['--import', TSX_LOADER, EXUM_LOCAL, '--port', '0', '--data-dir', dataDir], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: environment,
    });
    children.push(child);
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const lines: string[] = [];
    for await (const line of createInterface({ input: child.stdout })) {
      lines.push(line);
      if (/^try:/.test(line)) break;
    }
    const banner = lines.join('\n');
    const url = /listening on (\S+)/.exec(banner)?.[1];
    if (url === undefined) throw new Error(`no start: ${banner}\n${errors}`);
    return {
      banner,
      tokenLine: lines.find((line) => line.startsWith('operator token')) ?? '',
      api: apiClient({ url }),
      stop: async () => {
        child.kill('SIGTERM');
        if (child.exitCode === null) await once(child, 'exit');
      },
    };
  }

  it('keeps the generated token in a 0600 file and reuses it: restarts add no credential; a new EXUM_OPERATOR_TOKEN revokes it', async () => {
    const tokenFile = join(dataDir, 'operator-token');
    const first = await startNpm({});
    let token: string;
    let count: number;
    try {
      expect(first.tokenLine).toContain(`in ${tokenFile} (mode 0600`);
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
      token = readFileSync(tokenFile, 'utf8').trim();
      expect(first.banner).not.toContain(token);
      const listed = await first.api.get('/v1/operator-credentials', { token });
      expect(listed.status).toBe(200);
      count = listed.body.items.length;
    } finally {
      await first.stop();
    }

    const second = await startNpm({});
    try {
      expect(readFileSync(tokenFile, 'utf8').trim()).toBe(token);
      expect(second.tokenLine).not.toContain('replaces');
      const listed = await second.api.get('/v1/operator-credentials', { token });
      expect(listed.body.items).toHaveLength(count);
    } finally {
      await second.stop();
    }

    const rotated = 'exum_rotated_operator_token_000000001';
    const third = await startNpm({ EXUM_OPERATOR_TOKEN: rotated });
    try {
      expect(third.tokenLine).toMatch(/from EXUM_OPERATOR_TOKEN .*replaces operator credential cred_\S+, revoked/);
      expect((await third.api.get('/v1/tenants', { token })).status).toBe(401);
      expect((await third.api.get('/v1/tenants', { token: rotated })).status).toBe(200);
      expect(existsSync(tokenFile)).toBe(false);
    } finally {
      await third.stop();
    }
  });
});
