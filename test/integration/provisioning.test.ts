// Provisioning events: validated, applied idempotently, dead-lettered with the reason when they
// cannot be applied. Through the local route and through the SQS handler the Lambda runs.
import type { Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createApiDeps } from '../../functions/wiring/deps.js';
import { createProvisioningHandler } from '../../lib/provisioning/apply-provisioning-events.js';
import { createTenant, setUpHostedProvider } from '../support/fixtures.js';
import { useTestService } from '../support/service.js';

const T = '/v1/tenants/contoso';
const context = useTestService(async (api) => {
  await createTenant(api, 'contoso');
  await setUpHostedProvider(api, 'contoso');
});
const { api } = context;

let sequence = 0;
const event = (type: string, detail: Record<string, unknown>, id = `evt-${++sequence}`) => ({
  id,
  'detail-type': type,
  source: 'contoso.hr',
  time: new Date().toISOString(),
  detail: { schemaVersion: '1', tenantId: 'contoso', ...detail },
});
const send = async (...events: unknown[]) => {
  const answer = await api.post(`${T}/provisioning-events`, { events });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.results as { id: string; outcome: string; reason?: string; field?: string }[];
};

describe('provisioning events', () => {
  it('creates, updates and removes users; the same event twice changes nothing', async () => {
    const upsert = event('user.upserted', {
      user: { sipUri: 'sip:hr1@contoso.com', lineUri: 'tel:+14255558001', enterpriseVoiceEnabled: true },
    });
    expect(await send(upsert)).toEqual([{ id: upsert.id, outcome: 'applied' }]);
    const created = (await api.get(`${T}/users/sip:hr1@contoso.com`)).body;
    expect(created).toMatchObject({
      lineUri: 'tel:+14255558001',
      enterpriseVoiceEnabled: true,
      version: 1,
      modifiedBy: { credentialId: context.service.operatorBootstrap.credentialId },
    });

    // Apart from idempotency bookkeeping, nothing changes: not even the user's version.
    const data = (item: Record<string, unknown>) => !String(item.pk).startsWith('IDEMPOTENCY#');
    const before = await context.service.snapshot(data);
    // The same event id again: answered as the duplicate it is, nothing applied.
    expect(await send(upsert)).toEqual([{ id: upsert.id, outcome: 'duplicate' }]);
    const same = event('user.upserted', { user: { sipUri: 'sip:hr1@contoso.com', lineUri: 'tel:+14255558001' } });
    expect(await send(same)).toMatchObject([{ outcome: 'unchanged' }]);
    expect(await send(same, upsert)).toEqual([
      { id: same.id, outcome: 'duplicate' },
      { id: upsert.id, outcome: 'duplicate' },
    ]);
    expect(await context.service.snapshot(data)).toBe(before);

    expect(await send(event('user.upserted', { user: { sipUri: 'sip:hr1@contoso.com', site: 'Redmond' } }))).toMatchObject([
      { outcome: 'applied' },
    ]);
    expect((await api.get(`${T}/users/sip:hr1@contoso.com`)).body).toMatchObject({
      site: 'Redmond',
      lineUri: 'tel:+14255558001',
      version: 2,
    });

    expect(await send(event('user.removed', { sipUri: 'sip:hr1@contoso.com' }))).toMatchObject([{ outcome: 'applied' }]);
    expect((await api.get(`${T}/users/sip:hr1@contoso.com`)).status).toBe(404);
    expect(await send(event('user.removed', { sipUri: 'sip:hr1@contoso.com' }))).toMatchObject([{ outcome: 'unchanged' }]);
  });

  it('creates and removes contacts', async () => {
    expect(
      await send(
        event('contact.upserted', { contact: { sipUri: 'sip:aa-hr@contoso.com', kind: 'auto-attendant', displayNumber: '+14255558100' } }),
      ),
    ).toMatchObject([{ outcome: 'applied' }]);
    expect((await api.get(`${T}/contacts/sip:aa-hr@contoso.com`)).body).toMatchObject({
      kind: 'auto-attendant',
      lineUri: 'tel:+14255558100',
    });
    expect(await send(event('contact.removed', { sipUri: 'sip:aa-hr@contoso.com' }))).toMatchObject([{ outcome: 'applied' }]);
  });

  it('starts a migration once, however often the event comes', async () => {
    await send(event('user.upserted', { user: { sipUri: 'sip:hr2@contoso.com', enterpriseVoiceEnabled: true } }));
    const request = event('migration.requested', {
      migration: { users: ['sip:hr2@contoso.com'], providerId: 'exo', grantPolicy: 'ExOnline' },
    });
    expect(await send(request)).toMatchObject([{ outcome: 'applied' }]);
    expect(await send(request)).toMatchObject([{ outcome: 'duplicate' }]);
    expect((await api.get(`${T}/migrations`)).body.items).toHaveLength(1);
  });

  it('dead-letters what it cannot apply, with the reason and the field, and applies the rest', async () => {
    const results = await send(
      event('user.upserted', { user: { sipUri: 'sip:bad@contoso.com', lineUri: '425-555-0100' } }),
      event('user.upserted', { user: { sipUri: 'sip:good@contoso.com' } }),
      event('user.renamed', { sipUri: 'sip:x@contoso.com' }),
      {
        ...event('user.upserted', { user: { sipUri: 'sip:other@fabrikam.com' } }),
        detail: { schemaVersion: '1', tenantId: 'fabrikam', user: { sipUri: 'sip:other@fabrikam.com' } },
      },
      event('user.upserted', { user: { sipUri: 'sip:dup@contoso.com', lineUri: 'tel:+14255558001' } }),
      event('user.upserted', { user: { sipUri: 'sip:dup2@contoso.com', lineUri: 'tel:+14255558001' } }),
    );
    expect(results.map((result) => result.outcome)).toEqual([
      'dead-lettered',
      'applied',
      'dead-lettered',
      'dead-lettered',
      'applied',
      'dead-lettered',
    ]);
    expect(results[0]).toMatchObject({ field: 'detail.user.lineUri' });
    expect(results[2]).toMatchObject({ field: 'detail-type' });
    expect(results[3]).toMatchObject({ field: 'detail.tenantId' });
    expect(results[5]).toMatchObject({ field: 'lineUri', reason: expect.stringContaining('already in use') });
    const letters = (await api.get(`${T}/dead-letters`)).body.items.filter(
      (letter: { kind: string }) => letter.kind === 'provisioning-event',
    );
    expect(letters.length).toBeGreaterThanOrEqual(4);
    expect(letters.map((letter: { subject: string }) => letter.subject)).toContain('detail.user.lineUri');
  });
});

describe('the SQS handler', () => {
  it('applies messages and dead-letters bad ones, reporting no failure for either', async () => {
    const handler = createProvisioningHandler(createApiDeps(context.service.store, { configCacheMs: 0 }));
    const sqs = (bodies: unknown[]): SQSEvent => ({
      Records: bodies.map((body, index) => ({
        messageId: `m${index}`,
        receiptHandle: 'r',
        body: typeof body === 'string' ? body : JSON.stringify(body),
        attributes: {} as never,
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:local:0:provisioning',
        awsRegion: 'local',
      })),
    });
    const lambda = { getRemainingTimeInMillis: () => 30_000, functionName: 'provisioning', awsRequestId: 'x' } as Context;
    const response = await handler(sqs([event('user.upserted', { user: { sipUri: 'sip:sqs@contoso.com' } }), 'not json']), lambda);
    expect(response.batchItemFailures).toEqual([]);
    expect((await api.get(`${T}/users/sip:sqs@contoso.com`)).status).toBe(200);
  });
});
