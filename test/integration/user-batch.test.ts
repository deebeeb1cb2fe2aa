// POST /users/batch: many users created or updated in one request, each row answered on its
// own with the rules of a single write, claims enforced, grant counters exact, dry runs inert.
import { describe, expect, it } from 'vitest';
import { createTenant, expectCreated, setUpHostedProvider } from '../support/fixtures.js';
import { useTestService } from '../support/service.js';

const T = '/v1/tenants/contoso';
const context = useTestService(async (api) => {
  await createTenant(api, 'contoso');
  await setUpHostedProvider(api, 'contoso');
  await createTenant(api, 'fabrikam');
});
const { api } = context;

const batch = (users: unknown[], query = '') => api.post(`${T}/users/batch${query}`, { users });

describe('POST /users/batch', () => {
  it('creates new users with the creation defaults and updates existing ones field by field', async () => {
    await expectCreated(
      api.post(`${T}/users`, { sipUri: 'sip:old@contoso.com', displayName: 'Old', lineUri: 'tel:+14255557000', site: 'Dublin' }),
    );
    const answer = await batch([
      { sipUri: 'sip:new1@contoso.com', lineUri: 'tel:+14255557001' },
      { sipUri: 'sip:old@contoso.com', displayName: 'Renamed' },
      { sipUri: 'SIP:new2@CONTOSO.com', enterpriseVoiceEnabled: true, onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' } },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.counts).toEqual({ created: 2, updated: 1, unchanged: 0, failed: 0 });
    expect(answer.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['created', 'updated', 'created']);
    const old = await api.get(`${T}/users/sip:old@contoso.com`);
    expect(old.body).toMatchObject({ displayName: 'Renamed', lineUri: 'tel:+14255557000', site: 'Dublin', version: 2 });
    const created = await api.get(`${T}/users/sip:new2@contoso.com`);
    expect(created.body).toMatchObject({
      enabled: true,
      enterpriseVoiceEnabled: true,
      lineUri: null,
      hostedVoicemail: { admin: null, provider: null },
    });
    const byNumber = await api.get(`${T}/users?lineUri=tel:%2B14255557001`);
    expect(byNumber.body.items.map((u: { sipUri: string }) => u.sipUri)).toEqual(['sip:new1@contoso.com']);
  });

  it('answers rows that change nothing as unchanged, without writing them', async () => {
    const before = await context.service.snapshot();
    const answer = await batch([{ sipUri: 'sip:old@contoso.com', displayName: 'Renamed' }, { sipUri: 'sip:new1@contoso.com' }]);
    expect(answer.body.results).toEqual([
      { index: 0, sipUri: 'sip:old@contoso.com', outcome: 'unchanged', version: 2 },
      { index: 1, sipUri: 'sip:new1@contoso.com', outcome: 'unchanged', version: 1 },
    ]);
    expect(await context.service.snapshot()).toBe(before);
  });

  it('fails bad rows with the field and rule at fault, and writes the good ones', async () => {
    await expectCreated(api.post(`${T}/contacts`, { sipUri: 'sip:sa@contoso.com', displayNumber: '+14255557100' }));
    const answer = await batch([
      { sipUri: 'sip:good1@contoso.com', lineUri: 'tel:+14255557101' },
      { sipUri: 'alice@contoso.com' },
      { sipUri: 'sip:taken-number@contoso.com', lineUri: 'tel:+14255557000' },
      { sipUri: 'sip:sa@contoso.com' },
      { sipUri: 'sip:x@fabrikam.com' },
      { sipUri: 'sip:nopolicy@contoso.com', hostedVoicemailPolicy: 'Missing' },
      { sipUri: 'sip:provider@contoso.com', hostedVoicemail: { provider: true } },
      { sipUri: 'sip:good1@contoso.com', displayName: 'twice' },
      { sipUri: 'sip:samenumber@contoso.com', lineUri: 'tel:+14255557101' },
      { sipUri: 'sip:extra@contoso.com', favouriteColour: 'blue' },
      'not an object',
      { sipUri: 'sip:good2@contoso.com', hostedVoicemailPolicy: 'ExOnline', hostedVoicemail: { admin: true } },
    ]);
    expect(answer.status).toBe(200);
    const byIndex = answer.body.results;
    const rule = (index: number) => `${byIndex[index].errors?.[0]?.field}/${byIndex[index].errors?.[0]?.rule}`;
    expect(byIndex.map((r: { outcome: string }) => r.outcome)).toEqual([
      'created',
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
      'created',
    ]);
    expect(rule(1)).toBe('sipUri/sip-scheme');
    expect(rule(2)).toBe('lineUri/unique-line-uri-across-users-and-contacts');
    expect(rule(3)).toBe('sipUri/unique-sip-address-across-users-and-contacts');
    expect(rule(4)).toBe('sipUri/tenant-sip-domain');
    expect(rule(5)).toBe('hostedVoicemailPolicy/policy-exists');
    expect(rule(6)).toBe('hostedVoicemail.provider/provider-writes-provider-flag');
    expect(rule(7)).toBe('sipUri/unique-in-batch');
    expect(rule(8)).toBe('lineUri/unique-in-batch');
    expect(rule(9)).toBe('favouriteColour/unknown-field');
    expect(byIndex[10].errors[0].rule).toBe('type');
    expect(answer.body.counts).toEqual({ created: 2, updated: 0, unchanged: 0, failed: 10 });
    expect((await api.get(`${T}/users/sip:taken-number@contoso.com`)).status).toBe(404);
    expect((await api.get(`${T}/contacts/sip:sa@contoso.com`)).body.version).toBe(1);
  });

  it('keeps grant counters exact, so a policy granted by a batch cannot be deleted', async () => {
    const answer = await batch(
      Array.from({ length: 30 }, (_, i) => ({ sipUri: `sip:granted${i}@contoso.com`, hostedVoicemailPolicy: 'ExOnline' })),
    );
    expect(answer.body.counts.created).toBe(30);
    expect((await api.delete(`${T}/voicemail-policies/tag:ExOnline`)).body.errors[0].rule).toBe('policy-not-granted');
    const revoke = await batch([
      ...Array.from({ length: 30 }, (_, i) => ({ sipUri: `sip:granted${i}@contoso.com`, hostedVoicemailPolicy: null })),
      { sipUri: 'sip:good2@contoso.com', hostedVoicemailPolicy: null, hostedVoicemail: { admin: null } },
    ]);
    expect(revoke.body.counts.updated).toBe(31);
    await expectCreated(api.post(`${T}/voicemail-policies`, { id: 'tag:Spare', destination: 'exap.um.outlook.com' }));
    expect((await api.delete(`${T}/voicemail-policies/tag:Spare`)).status).toBe(204);
    expect((await api.delete(`${T}/voicemail-policies/tag:ExOnline`)).status).toBe(204);
  });

  it('lets one row take the number another row of the batch gives up', async () => {
    await batch([{ sipUri: 'sip:giver@contoso.com', lineUri: 'tel:+14255557200' }]);
    const answer = await batch([
      { sipUri: 'sip:giver@contoso.com', lineUri: 'tel:+14255557201' },
      { sipUri: 'sip:taker@contoso.com', lineUri: 'tel:+14255557200' },
    ]);
    expect(answer.body.counts).toMatchObject({ created: 1, updated: 1, failed: 0 });
    const resolveNumber = await api.get(`${T}/users?lineUri=tel:%2B14255557200`);
    expect(resolveNumber.body.items.map((u: { sipUri: string }) => u.sipUri)).toEqual(['sip:taker@contoso.com']);
  });

  it('writes over a hundred rows across several transactions', async () => {
    const rows = Array.from({ length: 240 }, (_, i) => ({
      sipUri: `sip:many${i}@contoso.com`,
      lineUri: `tel:+1425556${String(i).padStart(4, '0')}`,
      enterpriseVoiceEnabled: true,
    }));
    const answer = await batch(rows);
    expect(answer.body.counts).toEqual({ created: 240, updated: 0, unchanged: 0, failed: 0 });
    const resolve = await api.get(`${T}/users?lineUri=tel:%2B14255560239`);
    expect(resolve.body.items[0].sipUri).toBe('sip:many239@contoso.com');
  });

  it('validates a dry run row by row, claims included, and writes nothing', async () => {
    const before = await context.service.snapshot();
    const answer = await batch(
      [
        { sipUri: 'sip:dry-new@contoso.com', lineUri: 'tel:+14255557300' },
        { sipUri: 'sip:dry-taken@contoso.com', lineUri: 'tel:+14255557000' },
        { sipUri: 'sip:old@contoso.com', displayName: 'Dry' },
      ],
      '?dryRun=true',
    );
    expect(answer.body.dryRun).toBe(true);
    expect(answer.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['created', 'failed', 'updated']);
    expect(await context.service.snapshot()).toBe(before);
  });

  it('refuses a malformed request as a whole, naming the field', async () => {
    expect((await api.post(`${T}/users/batch`, { users: [] })).body.errors[0]).toMatchObject({ field: 'users', rule: 'min' });
    const tooMany = await api.post(`${T}/users/batch`, {
      users: Array.from({ length: 501 }, (_, i) => ({ sipUri: `sip:u${i}@contoso.com` })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0]).toMatchObject({ field: 'users', rule: 'max' });
  });

  it('answers concurrent batches over the same users without losing an update', async () => {
    const rows = (field: 'displayName' | 'site', value: string) =>
      Array.from({ length: 40 }, (_, i) => ({ sipUri: `sip:race${i}@contoso.com`, [field]: value }));
    await batch(rows('displayName', 'start'));
    const answers = await Promise.all([
      batch(rows('displayName', 'A')),
      batch(rows('site', 'Redmond')),
      batch(rows('displayName', 'A')),
      batch(rows('site', 'Redmond')),
    ]);
    for (const answer of answers) expect(answer.body.counts.failed).toBe(0);
    const listed = await api.get(`${T}/users?site=Redmond&limit=500`);
    const race = listed.body.items.filter((u: { sipUri: string }) => u.sipUri.startsWith('sip:race'));
    expect(race).toHaveLength(40);
    for (const u of race) expect(u.displayName).toBe('A');
  });

  it('creates new users sent in two batches at once (a killed import resumed while its last request is written): none fails', async () => {
    // With numbers: a claim of either (the address or the line URI) may be the one found taken.
    const rows = Array.from({ length: 60 }, (_, i) => ({
      sipUri: `sip:twice${i}@contoso.com`,
      lineUri: `tel:+1206777${String(i).padStart(4, '0')}`,
      site: 'Dublin',
    }));
    const answers = await Promise.all([batch(rows), batch(rows), batch(rows)]);
    for (const answer of answers)
      expect(answer.body.counts.failed, JSON.stringify(answer.body.results.find((r: { outcome: string }) => r.outcome === 'failed'))).toBe(
        0,
      );
    // Each row created once, by one of them; the others found it as they would have sent it.
    const created = answers.reduce((sum, answer) => sum + answer.body.counts.created, 0);
    expect(created).toBe(60);
    const listed = await api.get(`${T}/users?sipUriPrefix=twice&limit=500`);
    expect(listed.body.items).toHaveLength(60);
  });
});
