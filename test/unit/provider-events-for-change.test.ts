// Which provider events a stored change produces, rule by rule.
import { describe, expect, it } from 'vitest';
import type { MigrationUser } from '../../lib/domain/migration.js';
import { providerEventsForChange } from '../../lib/provider-events/events-for-change.js';
import type { StreamChange } from '../../lib/store/stream-records.js';
import { contact, policy, provider, tenantConfig, user } from '../support/builders.js';

const config = tenantConfig({
  providers: [provider(), provider({ id: 'fab', proxyFqdn: 'proxy.fabrikam.com' })],
  policies: [
    policy('global', { destination: null, organizations: [] }),
    policy('tag:ExOnline'),
    policy('tag:Fab', { destination: 'um.fabrikam.com', organizations: ['fab.org'] }),
  ],
});
type ChangeOf<E extends StreamChange['entity']> = Extract<StreamChange, { entity: E }>;
const change = <E extends StreamChange['entity']>(entity: E, before: ChangeOf<E>['before'], after: ChangeOf<E>['after']): StreamChange =>
  ({ eventId: 'stream-1', tenantId: 'contoso', entity, before, after, at: '2026-11-25T10:00:00.000Z' }) as ChangeOf<E>;

const migrationUser = (state: MigrationUser['state']): MigrationUser => ({
  migrationId: 'mig_1',
  providerId: 'exo',
  sipUri: 'sip:alice@contoso.com',
  lineUri: null,
  displayName: 'Alice',
  destination: 'exap.um.outlook.com',
  organizations: ['contoso.onmicrosoft.com'],
  wave: 1,
  state,
  steps: { addedAt: 'x', requestedAt: null, completedAt: null, failedAt: null, rolledBackAt: null, cancelledAt: null },
  failureReason: state === 'failed' ? 'quota' : null,
  lastDelivery: null,
  version: 1,
});

describe('migration events', () => {
  it.each([
    ['pending', 'requested', 'user.migration.requested'],
    ['requested', 'completed', 'user.migration.completed'],
    ['requested', 'failed', 'user.migration.failed'],
    ['completed', 'rolled-back', 'user.migration.rolled-back'],
  ] as const)('%s → %s: %s to the migration’s provider', (from, to, type) => {
    const [outgoing] = providerEventsForChange(change('migration-user', migrationUser(from), migrationUser(to)), config);
    expect(outgoing).toMatchObject({
      providerId: 'exo',
      subject: 'sip:alice@contoso.com',
      migration: { migrationId: 'mig_1' },
      event: { type, tenantId: 'contoso', specVersion: '1.0' },
    });
  });
  it('says nothing when the state did not change, or for cancelled users', () => {
    expect(
      providerEventsForChange(change('migration-user', migrationUser('requested'), { ...migrationUser('requested'), version: 2 }), config),
    ).toEqual([]);
    expect(providerEventsForChange(change('migration-user', migrationUser('pending'), migrationUser('cancelled')), config)).toEqual([]);
  });
  it('carries destination and organizations on request, the reason on failure', () => {
    expect(
      providerEventsForChange(change('migration-user', migrationUser('pending'), migrationUser('requested')), config)[0]!.event.data,
    ).toMatchObject({ destination: 'exap.um.outlook.com', organizations: ['contoso.onmicrosoft.com'] });
    expect(
      providerEventsForChange(change('migration-user', migrationUser('requested'), migrationUser('failed')), config)[0]!.event.data,
    ).toMatchObject({ reason: 'quota' });
  });
  it('gives each event of a record its own stable id', () => {
    const once = providerEventsForChange(change('migration-user', migrationUser('pending'), migrationUser('requested')), config);
    const again = providerEventsForChange(change('migration-user', migrationUser('pending'), migrationUser('requested')), config);
    expect(once[0]!.event.id).toBe(again[0]!.event.id);
    expect(once[0]!.event.id).not.toBe(
      providerEventsForChange(
        { ...change('migration-user', migrationUser('pending'), migrationUser('requested')), eventId: 'stream-2' },
        config,
      )[0]!.event.id,
    );
  });
});

describe('user events', () => {
  it('tells the provider serving the user when a hosted-voicemail flag changes', () => {
    const before = user({ hostedVoicemailPolicy: 'ExOnline' });
    const after = user({ hostedVoicemailPolicy: 'ExOnline', hostedVoicemail: { admin: null, provider: true } });
    expect(providerEventsForChange(change('user', before, after), config)).toMatchObject([
      { providerId: 'exo', event: { type: 'user.hosted-voicemail.changed', data: { hosted: true } } },
    ]);
  });
  it('tells both providers when the user moves between them', () => {
    const before = user({ hostedVoicemailPolicy: 'ExOnline' });
    const after = user({ hostedVoicemailPolicy: 'Fab', hostedVoicemail: { admin: true, provider: null } });
    expect(
      providerEventsForChange(change('user', before, after), config)
        .map((event) => event.providerId)
        .sort(),
    ).toEqual(['exo', 'fab']);
  });
  it('says nothing for other changes, or when no provider serves the user', () => {
    expect(
      providerEventsForChange(
        change('user', user({ hostedVoicemailPolicy: 'ExOnline' }), user({ hostedVoicemailPolicy: 'ExOnline', displayName: 'x' })),
        config,
      ),
    ).toEqual([]);
    expect(providerEventsForChange(change('user', user(), user({ hostedVoicemail: { admin: false, provider: null } })), config)).toEqual(
      [],
    );
  });
});

describe('contact events', () => {
  const hosted = contact({ hostedVoicemailPolicy: 'ExOnline' });
  it('created, updated and deleted for hosted contacts', () => {
    expect(providerEventsForChange(change('contact', null, hosted), config)).toMatchObject([
      { providerId: 'exo', event: { type: 'contact.created', data: { destination: 'exap.um.outlook.com' } } },
    ]);
    expect(providerEventsForChange(change('contact', hosted, { ...hosted, description: 'x' }), config)).toMatchObject([
      { event: { type: 'contact.updated' } },
    ]);
    expect(providerEventsForChange(change('contact', hosted, null), config)).toMatchObject([{ event: { type: 'contact.deleted' } }]);
  });
  it('a contact moving on premises is deleted at the provider; moving providers is deleted at one, created at the other', () => {
    expect(providerEventsForChange(change('contact', hosted, { ...hosted, onPremisesDialPlan: 'dp.contoso.com' }), config)).toMatchObject([
      { providerId: 'exo', event: { type: 'contact.deleted' } },
    ]);
    expect(
      providerEventsForChange(change('contact', hosted, { ...hosted, hostedVoicemailPolicy: 'Fab' }), config).map(
        (e) => `${e.providerId} ${e.event.type}`,
      ),
    ).toEqual(['exo contact.deleted', 'fab contact.created']);
  });
  it('says nothing about on-premises contacts', () => {
    expect(providerEventsForChange(change('contact', null, contact({ onPremisesDialPlan: 'dp.contoso.com' })), config)).toEqual([]);
  });
});
