// Which provider events a stored change produces, as a pure function of the change and the
// tenant's configuration: migration steps go to the migration's provider; hosted-voicemail
// changes and hosted contacts go to the provider serving their effective destination.
import { createHash } from 'node:crypto';
import { isHostedContact, type Contact } from '../domain/contact.js';
import { providersServing } from '../domain/hosting-provider.js';
import type { MigrationUser } from '../domain/migration.js';
import type { Principal } from '../domain/principal.js';
import type { TenantConfig } from '../domain/tenant-config.js';
import { isHostedVoicemail, type User } from '../domain/user.js';
import { effectivePolicy } from '../domain/voicemail-policy.js';
import type { StreamChange } from '../store/stream-records.js';
import { PROVIDER_EVENT_SPEC_VERSION, type ProviderEvent, type ProviderEventType } from './event-schemas.js';

export interface OutgoingEvent {
  providerId: string;
  /** The user or contact the event is about (for dead letters and progress). */
  subject: string;
  migration: { migrationId: string; sipUri: string } | null;
  event: ProviderEvent;
  /**
   * Set when the event is a dead letter's replay (lib/dead-letters/): delivered under the same
   * event id, with attempts and its settled marker of its own (deliveryIdOf, deliver-or-dead-letter.ts).
   */
  replay?: { id: string; failedBefore: number };
}

/** Stable across redeliveries of the same stream record: providers de-duplicate on it. */
const eventId = (change: StreamChange, type: ProviderEventType): string =>
  `evt_${createHash('sha256').update(`${change.eventId}|${type}`).digest('base64url').slice(0, 32)}`;

const MIGRATION_EVENTS: Partial<Record<MigrationUser['state'], ProviderEventType>> = {
  requested: 'user.migration.requested',
  completed: 'user.migration.completed',
  failed: 'user.migration.failed',
  'rolled-back': 'user.migration.rolled-back',
};

function providerFor(
  principal: Principal,
  config: TenantConfig,
): { providerId: string; destination: string; organizations: string[] } | undefined {
  const policy = effectivePolicy(principal, config.policies);
  if (policy?.destination == null) return undefined;
  const serving = providersServing(policy.destination, [...config.providers.values()]);
  return serving.length === 1
    ? { providerId: serving[0]!.id, destination: policy.destination, organizations: policy.organizations }
    : undefined;
}

function migrationEvents(change: StreamChange, before: MigrationUser | null, after: MigrationUser | null): OutgoingEvent[] {
  if (after === null || before?.state === after.state) return [];
  const type = MIGRATION_EVENTS[after.state];
  if (type === undefined) return [];
  const user = { migrationId: after.migrationId, sipUri: after.sipUri, lineUri: after.lineUri, displayName: after.displayName };
  const base = {
    id: eventId(change, type),
    specVersion: PROVIDER_EVENT_SPEC_VERSION,
    time: change.at,
    tenantId: change.tenantId,
    providerId: after.providerId,
  };
  let event: ProviderEvent;
  if (type === 'user.migration.requested') {
    event = { ...base, type, data: { ...user, destination: after.destination, organizations: after.organizations } };
  } else if (type === 'user.migration.failed') {
    event = { ...base, type, data: { ...user, reason: after.failureReason ?? 'unspecified' } };
  } else {
    event = { ...base, type, data: user } as ProviderEvent;
  }
  return [
    { providerId: after.providerId, subject: after.sipUri, migration: { migrationId: after.migrationId, sipUri: after.sipUri }, event },
  ];
}

function userEvents(change: StreamChange, before: User | null, after: User | null, config: TenantConfig): OutgoingEvent[] {
  if (before === null || after === null) return [];
  const flagsChanged =
    before.hostedVoicemail.admin !== after.hostedVoicemail.admin || before.hostedVoicemail.provider !== after.hostedVoicemail.provider;
  if (!flagsChanged) return [];
  // The provider that serves (or served) this user's voicemail needs to know.
  const recipients = new Set(
    [providerFor(after, config)?.providerId, providerFor(before, config)?.providerId].filter((id): id is string => id !== undefined),
  );
  const type = 'user.hosted-voicemail.changed' as const;
  return [...recipients].map((providerId) => ({
    providerId,
    subject: after.sipUri,
    migration: null,
    event: {
      id: eventId(change, type),
      type,
      specVersion: PROVIDER_EVENT_SPEC_VERSION,
      time: change.at,
      tenantId: change.tenantId,
      providerId,
      data: { sipUri: after.sipUri, lineUri: after.lineUri, hostedVoicemail: after.hostedVoicemail, hosted: isHostedVoicemail(after) },
    },
  }));
}

function contactEvents(change: StreamChange, before: Contact | null, after: Contact | null, config: TenantConfig): OutgoingEvent[] {
  const hostedBefore = before !== null && isHostedContact(before) ? providerFor(before, config) : undefined;
  const hostedAfter = after !== null && isHostedContact(after) ? providerFor(after, config) : undefined;
  const events: OutgoingEvent[] = [];
  const base = (type: ProviderEventType, providerId: string) => ({
    id: eventId(change, type),
    specVersion: PROVIDER_EVENT_SPEC_VERSION,
    time: change.at,
    tenantId: change.tenantId,
    providerId,
  });
  // Leaving a provider (deleted, moved on premises, or to another provider) is a deletion there.
  if (before !== null && hostedBefore !== undefined && hostedBefore.providerId !== hostedAfter?.providerId) {
    events.push({
      providerId: hostedBefore.providerId,
      subject: before.sipUri,
      migration: null,
      event: {
        ...base('contact.deleted', hostedBefore.providerId),
        type: 'contact.deleted',
        data: { sipUri: before.sipUri, lineUri: before.lineUri },
      },
    });
  }
  if (after !== null && hostedAfter !== undefined) {
    const type = hostedBefore?.providerId === hostedAfter.providerId ? 'contact.updated' : 'contact.created';
    events.push({
      providerId: hostedAfter.providerId,
      subject: after.sipUri,
      migration: null,
      event: {
        ...base(type, hostedAfter.providerId),
        type,
        data: {
          sipUri: after.sipUri,
          displayNumber: after.displayNumber,
          lineUri: after.lineUri,
          kind: after.kind,
          enabled: after.enabled,
          enterpriseVoiceEnabled: after.enterpriseVoiceEnabled,
          description: after.description,
          destination: hostedAfter.destination,
          organizations: hostedAfter.organizations,
        },
      },
    });
  }
  return events;
}

export function providerEventsForChange(change: StreamChange, config: TenantConfig): OutgoingEvent[] {
  switch (change.entity) {
    case 'migration-user':
      return migrationEvents(change, change.before, change.after);
    case 'user':
      return userEvents(change, change.before, change.after, config);
    case 'contact':
      return contactEvents(change, change.before, change.after, config);
    case 'migration':
      // Its users' changes are what providers hear about.
      return [];
    case 'dead-letter':
      // A replay sends the event the dead letter holds (lib/dead-letters/carry-out-replay.ts).
      return [];
  }
}
