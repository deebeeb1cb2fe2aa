// exumctl's operator credentials: get, new and revoke through the API (operators only, never the
// last one), and the bootstrap straight into the table, tried here against DynamoDB Local.
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/exit-codes.js';
import { exumctl, exumctlAt } from '../support/exumctl.js';
import { createTenant, expectCreated } from '../support/fixtures.js';
import { OPERATOR_TOKEN, useTestService } from '../support/service.js';

const context = useTestService(async (api) => createTenant(api, 'contoso', ['contoso.com']));
const { api } = context;
const asOperator = exumctlAt(() => context.service.url, OPERATOR_TOKEN);

interface Listed {
  id: string;
  name: string;
  createdBy: string;
  revokedAt: string | null;
}

describe('exumctl operator-credential', () => {
  it('new prints the token once; get lists without it; revoke refuses it; the last one is never revoked', async () => {
    const created = await asOperator(['-o', 'json', 'operator-credential', 'new', '--name', 'alice (SRE)']);
    expect(created.code, created.stderr).toBe(EXIT.ok);
    const { id, token } = JSON.parse(created.stdout) as { id: string; token: string };
    expect(token).toMatch(/^exum_/);
    expect((await api.get('/v1/tenants', { token })).status).toBe(200);

    const listed = await asOperator(['-o', 'json', 'operator-credential', 'list']);
    expect(listed.code, listed.stderr).toBe(EXIT.ok);
    expect(listed.stdout).not.toContain(token);
    const items = JSON.parse(listed.stdout) as Listed[];
    expect(items.map((item) => item.name).sort()).toEqual(['alice (SRE)', 'bootstrap operator']);
    const table = await asOperator(['operator-credential', 'get']);
    expect(table.stdout).toContain('alice (SRE)');

    const revoked = await asOperator(['operator-credential', 'revoke', id]);
    expect(revoked.code, revoked.stderr).toBe(EXIT.ok);
    expect((await api.get('/v1/tenants', { token })).status).toBe(401);

    const bootstrap = items.find((item) => item.createdBy === 'bootstrap')!;
    const last = await asOperator(['operator-credential', 'revoke', bootstrap.id]);
    expect(last.code).toBe(EXIT.refused);
    expect(last.stderr).toContain('last-operator-credential');
  });

  it('is refused to other roles (exit 5)', async () => {
    const { token } = await expectCreated(api.post('/v1/tenants/contoso/credentials', { role: 'user-admin', name: 'ua' }));
    const refused = await exumctlAt(() => context.service.url, token, 'contoso')(['operator-credential', 'get']);
    expect(refused.code).toBe(EXIT.denied);
  });

  it('bootstrap: refused when one was bootstrapped already; --replace revokes it; an unknown table is not found', async () => {
    const table = ['--table', context.service.tableName, '--endpoint', context.service.dynamoEndpoint];
    const missing = await exumctl([
      'operator-credential',
      'bootstrap',
      '--table',
      'no-such-table',
      '--endpoint',
      context.service.dynamoEndpoint,
    ]);
    expect(missing.code, missing.stderr).toBe(EXIT.notFound);
    expect(missing.stderr).toContain('no-such-table');

    const noRegion = await exumctl(['operator-credential', 'bootstrap', '--table', 'x'], {
      env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
    });
    expect(noRegion.code).toBe(EXIT.usage);

    const exists = await exumctl(['operator-credential', 'bootstrap', ...table]);
    expect(exists.code).toBe(EXIT.refused);
    expect(exists.stderr).toContain('--replace');
    expect((await api.get('/v1/tenants')).status).toBe(200);

    const replaced = await exumctl(['-o', 'json', 'operator-credential', 'bootstrap', ...table, '--replace']);
    expect(replaced.code, replaced.stderr).toBe(EXIT.ok);
    const answer = JSON.parse(replaced.stdout) as { id: string; token: string; revoked: string[] };
    expect(answer.revoked).toHaveLength(1);
    const fresh = api.as(answer.token);
    expect((await fresh.get('/v1/tenants')).status).toBe(200);
    // The test service checks every request (no credential cache): the replaced credential is refused.
    expect((await api.get('/v1/tenants')).status).toBe(401);
    const items = (await fresh.get('/v1/operator-credentials')).body.items as Listed[];
    expect(items.filter((item) => item.revokedAt === null).map((item) => item.id)).toEqual([answer.id]);
  });
});
