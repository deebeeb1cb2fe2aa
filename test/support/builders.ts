// Typed builders of domain records for unit tests of the pure rules.
import type { Contact } from '../../lib/domain/contact.js';
import type { DialPlan } from '../../lib/domain/dial-plan.js';
import type { Edge } from '../../lib/domain/edge.js';
import type { HostingProvider } from '../../lib/domain/hosting-provider.js';
import type { Rerouting } from '../../lib/domain/rerouting.js';
import type { TenantConfig } from '../../lib/domain/tenant-config.js';
import type { User } from '../../lib/domain/user.js';
import type { VoicemailPolicy } from '../../lib/domain/voicemail-policy.js';

const meta = {
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  modifiedBy: { credentialId: 'cred_test', role: 'operator' },
};

export const user = (fields: Partial<User> = {}): User => ({
  type: 'user',
  sipUri: 'sip:alice@contoso.com',
  displayName: null,
  lineUri: 'tel:+14255550100',
  enabled: true,
  enterpriseVoiceEnabled: true,
  site: null,
  registrarPool: null,
  hostedVoicemailPolicy: null,
  onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' },
  hostedVoicemail: { admin: null, provider: null },
  ...meta,
  ...fields,
});

export const contact = (fields: Partial<Contact> = {}): Contact => ({
  type: 'contact',
  sipUri: 'sip:sa@contoso.com',
  displayNumber: '+14255550199',
  lineUri: 'tel:+14255550199',
  kind: 'subscriber-access',
  enabled: true,
  enterpriseVoiceEnabled: true,
  site: null,
  registrarPool: null,
  ou: null,
  description: '',
  hostedVoicemailPolicy: null,
  onPremisesDialPlan: null,
  ...meta,
  ...fields,
});

export const provider = (fields: Partial<HostingProvider> = {}): HostingProvider => ({
  id: 'exo',
  proxyFqdn: 'exap.um.outlook.com',
  enabled: true,
  sharedAddressSpace: true,
  hostsUsers: false,
  isLocal: false,
  verificationLevel: 'always-verifiable',
  eventEndpoint: null,
  ...meta,
  ...fields,
});

export const policy = (id: string, fields: Partial<VoicemailPolicy> = {}): VoicemailPolicy => ({
  id,
  destination: 'exap.um.outlook.com',
  organizations: ['contoso.onmicrosoft.com'],
  description: '',
  ...meta,
  ...fields,
});

export const dialPlan = (fields: Partial<DialPlan> = {}): DialPlan => ({
  id: 'dp.contoso.com',
  uriType: 'sip-name',
  voipSecurity: 'secured',
  servers: [
    { fqdn: 'um01.contoso.local', port: 5061, transport: 'tls', exchangeVersion: 15 },
    { fqdn: 'um02.contoso.local', port: 5061, transport: 'tls', exchangeVersion: 15 },
    { fqdn: 'um-old.contoso.local', port: 5061, transport: 'tls', exchangeVersion: 14 },
  ],
  ...meta,
  ...fields,
});

export const rerouting = (id: string, fields: Partial<Rerouting> = {}): Rerouting => ({
  id,
  enabled: true,
  autoAttendantNumber: '+14255550000',
  subscriberAccessNumber: '+14255550001',
  ...meta,
  ...fields,
});

export const edge = (fields: Partial<Edge> = {}): Edge => ({
  routingMode: 'dns-srv',
  allowFederatedUsers: true,
  nextHop: null,
  ...meta,
  ...fields,
});

export function tenantConfig(
  parts: { edge?: Edge; providers?: HostingProvider[]; policies?: VoicemailPolicy[]; dialPlans?: DialPlan[]; rerouting?: Rerouting[] } = {},
): TenantConfig {
  const byId = <T extends { id: string }>(items: T[]) => new Map(items.map((item) => [item.id, item]));
  return {
    tenant: { id: 'contoso', name: 'Contoso', domains: ['contoso.com'], configVersion: 1, ...meta },
    edge: parts.edge ?? edge(),
    providers: byId(parts.providers ?? [provider()]),
    policies: byId(parts.policies ?? [policy('global', { destination: null, organizations: [] }), policy('tag:ExOnline')]),
    dialPlans: byId(parts.dialPlans ?? [dialPlan()]),
    rerouting: byId(parts.rerouting ?? []),
  };
}
