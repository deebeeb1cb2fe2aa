// exumctl's tenant lifecycle commands: rename, domain add and domain remove, with --dry-run.
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/exit-codes.js';
import { exumctlAt } from '../support/exumctl.js';
import { createTenant, expectCreated } from '../support/fixtures.js';
import { OPERATOR_TOKEN, useTestService } from '../support/service.js';

const context = useTestService(async (api) => {
  await createTenant(api, 'contoso', ['contoso.com']);
  await createTenant(api, 'fabrikam', ['fabrikam.com']);
});
const { api } = context;
const asOperator = exumctlAt(() => context.service.url, OPERATOR_TOKEN, 'contoso');
const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

describe('exumctl tenant', () => {
  it('rename: --dry-run shows the change and writes nothing, then renames', async () => {
    const dryRun = await asOperator(['--dry-run', 'tenant', 'rename', 'contoso', '--name', 'Contoso Ltd']);
    expect(dryRun.code, dryRun.stderr).toBe(EXIT.ok);
    expect(dryRun.stdout).toContain('dry run, nothing written');
    expect((await api.get('/v1/tenants/contoso')).body.name).toBe('contoso');

    const renamed = await asOperator(['-o', 'json', 'tenant', 'rename', '--name', 'Contoso Ltd']);
    expect(renamed.code, renamed.stderr).toBe(EXIT.ok);
    expect(json(renamed.stdout)).toMatchObject({ id: 'contoso', name: 'Contoso Ltd' });
  });

  it('domain add and remove, refusals with their exit codes', async () => {
    expect((await asOperator(['--dry-run', 'tenant', 'domain', 'add', 'contoso.net'])).code).toBe(EXIT.ok);
    expect((await api.get('/v1/tenants/contoso')).body.domains).toEqual(['contoso.com']);
    const added = await asOperator(['-o', 'json', 'tenant', 'domain', 'add', 'contoso.net']);
    expect(added.code, added.stderr).toBe(EXIT.ok);
    expect(json(added.stdout).domains).toEqual(['contoso.com', 'contoso.net']);

    const taken = await asOperator(['tenant', 'domain', 'add', 'fabrikam.com']);
    expect(taken.code).toBe(EXIT.refused);
    expect(taken.stderr).toContain('domain-belongs-to-one-tenant');

    await expectCreated(api.post('/v1/tenants/contoso/users', { sipUri: 'sip:alice@contoso.net' }));
    const inUse = await asOperator(['--dry-run', 'tenant', 'domain', 'remove', 'contoso.net']);
    expect(inUse.code).toBe(EXIT.refused);
    expect(inUse.stderr).toContain('sip:alice@contoso.net');
    expect((await api.delete('/v1/tenants/contoso/users/sip:alice@contoso.net')).status).toBe(204);

    const removed = await asOperator(['tenant', 'domain', 'remove', 'contoso.net']);
    expect(removed.code, removed.stderr).toBe(EXIT.ok);
    expect((await api.get('/v1/tenants/contoso')).body.domains).toEqual(['contoso.com']);
  });

  it('offboard: --dry-run counts what would go, then the tenant is gone', async () => {
    await createTenant(api, 'litware', ['litware.com']);
    await expectCreated(api.post('/v1/tenants/litware/users', { sipUri: 'sip:alice@litware.com' }));
    const dryRun = await asOperator(['-o', 'json', '--dry-run', 'tenant', 'offboard', 'litware']);
    expect(dryRun.code, dryRun.stderr).toBe(EXIT.ok);
    expect(json(dryRun.stdout)).toMatchObject({ dryRun: true, state: 'offboarded', removed: { user: 1, tenant: 1 } });
    expect((await api.get('/v1/tenants/litware')).status).toBe(200);

    const offboarded = await asOperator(['-o', 'json', 'tenant', 'offboard', 'litware']);
    expect(offboarded.code, offboarded.stderr).toBe(EXIT.ok);
    expect(json(offboarded.stdout)).toMatchObject({ state: 'offboarded', removed: { user: 1 } });
    expect((await asOperator(['tenant', 'get', 'litware'])).code).toBe(EXIT.notFound);
  });
});
