import { describe, expect, it } from 'vitest';
import type { Edge } from '../../lib/domain/edge.js';
import { providersServing, type HostingProvider } from '../../lib/domain/hosting-provider.js';
import { violationsIntroduced, type TenantConfig } from '../../lib/domain/tenant-config.js';
import { effectivePolicy, type VoicemailPolicy } from '../../lib/domain/voicemail-policy.js';

const meta = { version: 1, createdAt: '', updatedAt: '', modifiedBy: { credentialId: 'c', role: 'operator' } };
const provider = (id: string, proxyFqdn: string, enabled = false): HostingProvider => ({
  id,
  proxyFqdn,
  enabled,
  sharedAddressSpace: true,
  hostsUsers: false,
  isLocal: false,
  verificationLevel: 'always-verifiable',
  eventEndpoint: null,
  ...meta,
});
const policy = (id: string, destination: string | null = null): VoicemailPolicy => ({
  id,
  destination,
  organizations: [],
  description: '',
  ...meta,
});
const edge = (routingMode: Edge['routingMode'], allowFederatedUsers: boolean): Edge => ({
  routingMode,
  allowFederatedUsers,
  nextHop: null,
  ...meta,
});

function config(parts: { edge?: Edge; providers?: HostingProvider[]; policies?: VoicemailPolicy[] }): TenantConfig {
  return {
    tenant: { id: 't1', name: 't', domains: ['contoso.com'], configVersion: 0, ...meta },
    edge: parts.edge ?? edge('dns-srv', true),
    providers: new Map((parts.providers ?? []).map((p) => [p.id, p])),
    policies: new Map((parts.policies ?? [policy('global')]).map((p) => [p.id, p])),
    dialPlans: new Map(),
    rerouting: new Map(),
  };
}

describe('providersServing', () => {
  const exo = provider('exo', 'exap.um.outlook.com');
  const fab = provider('fab', 'proxy.fabrikam.com');
  it('prefers the provider whose proxyFqdn equals the destination', () => {
    expect(providersServing('exap.um.outlook.com', [exo, fab, provider('other', 'other.um.outlook.com')]).map((p) => p.id)).toEqual([
      'exo',
    ]);
  });
  it('else matches on the parent domain', () => {
    expect(providersServing('um.fabrikam.com', [exo, fab]).map((p) => p.id)).toEqual(['fab']);
  });
  it('finds none for an unrelated destination', () => {
    expect(providersServing('um.litware.com', [exo, fab])).toEqual([]);
  });
});

describe('effectivePolicy', () => {
  const policies = new Map([policy('global'), policy('site:Redmond'), policy('tag:ExOnline')].map((p) => [p.id, p]));
  it.each([
    [{ site: 'Redmond', hostedVoicemailPolicy: 'ExOnline' }, 'tag:ExOnline'],
    [{ site: 'Redmond', hostedVoicemailPolicy: null }, 'site:Redmond'],
    [{ site: 'Dublin', hostedVoicemailPolicy: null }, 'global'],
    [{ site: null, hostedVoicemailPolicy: null }, 'global'],
  ])('%o gets %s', (holder, expected) => expect(effectivePolicy(holder, policies)?.id).toBe(expected));
});

describe('violationsIntroduced', () => {
  it('refuses default-route while providers exist, naming routingMode', () => {
    const before = config({ providers: [provider('exo', 'exap.um.outlook.com')] });
    const after = { ...before, edge: edge('default-route', true) };
    expect(violationsIntroduced(before, after, 'edge')?.issues[0]).toMatchObject({
      field: 'routingMode',
      rule: 'no-hosting-providers-on-default-route',
    });
  });
  it('refuses enabling a provider while federation is off, naming enabled', () => {
    const before = config({ edge: edge('dns-srv', false), providers: [provider('exo', 'exap.um.outlook.com')] });
    const after = config({ edge: edge('dns-srv', false), providers: [provider('exo', 'exap.um.outlook.com', true)] });
    expect(violationsIntroduced(before, after, 'provider')?.issues[0]).toMatchObject({
      field: 'enabled',
      rule: 'provider-needs-dns-srv-and-federation',
    });
  });
  it('refuses two providers that would serve one destination', () => {
    const before = config({ providers: [provider('a', 'proxy1.fabrikam.com')], policies: [policy('global', 'um.fabrikam.com')] });
    const after = config({
      providers: [provider('a', 'proxy1.fabrikam.com'), provider('b', 'proxy2.fabrikam.com')],
      policies: [policy('global', 'um.fabrikam.com')],
    });
    expect(violationsIntroduced(before, after, 'provider')?.issues[0]).toMatchObject({
      field: 'proxyFqdn',
      rule: 'one-provider-per-destination',
    });
  });
  it('lets an exact proxyFqdn match win over parent-domain matches', () => {
    const both = config({
      providers: [provider('a', 'proxy1.fabrikam.com'), provider('b', 'proxy2.fabrikam.com')],
      policies: [policy('global', 'proxy1.fabrikam.com')],
    });
    expect(violationsIntroduced(config({}), both, 'policy')).toBeUndefined();
  });
  it('does not block a write because of a violation that was already there', () => {
    const broken = config({ edge: edge('default-route', false), providers: [provider('a', 'a.example.com')] });
    const alsoBroken = { ...broken, policies: new Map([...broken.policies, ['tag:x', policy('tag:x')]]) };
    expect(violationsIntroduced(broken, alsoBroken, 'policy')).toBeUndefined();
  });
  it('refuses deleting the global policy', () => {
    expect(violationsIntroduced(config({}), config({ policies: [] }), 'policy')?.issues[0]).toMatchObject({
      field: 'id',
      rule: 'global-policy-required',
    });
  });
});
