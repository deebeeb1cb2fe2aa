// Section 3 of the domain reference, rule by rule, against the pure decision.
import { describe, expect, it } from 'vitest';
import { decideRoute, type RouteDecision } from '../../lib/routing/decide-route.js';
import type { CallReason, Hop } from '../../lib/routing/resolve-contract.js';
import type { Principal } from '../../lib/domain/principal.js';
import type { TenantConfig } from '../../lib/domain/tenant-config.js';
import { parseTarget, type Target } from '../../lib/routing/target.js';
import { contact, dialPlan, edge, policy, provider, rerouting, tenantConfig, user } from '../support/builders.js';

const target = (input: string): Target => {
  const parsed = parseTarget(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};
const decide = (
  principal: Principal | undefined,
  config: TenantConfig = tenantConfig(),
  options: { target?: string; reason?: CallReason; callId?: string; rotation?: number } = {},
) =>
  decideRoute(
    {
      target: target(options.target ?? 'sip:alice@contoso.com;opaque=app:voicemail'),
      reason: options.reason ?? 'voicemail',
      callId: options.callId,
    },
    principal,
    config,
    options.rotation ?? 0,
  ) as RouteDecision & Partial<Hop>;

const hostedUser = user({ hostedVoicemailPolicy: 'ExOnline', hostedVoicemail: { admin: true, provider: null } });

describe('rejections', () => {
  it.each([
    ['nothing found for a SIP address', undefined, tenantConfig(), 'sip:nobody@contoso.com', 404, 15010],
    [
      'a host outside the tenant’s domains',
      user({ sipUri: 'sip:alice@fabrikam.com' }),
      tenantConfig(),
      'sip:alice@fabrikam.com',
      404,
      15011,
    ],
    ['an IP host', undefined, tenantConfig(), 'sip:alice@10.1.1.1', 404, 15011],
    ['nothing found for a number', undefined, tenantConfig(), 'tel:+14255559999', 404, 15012],
    ['a disabled user', user({ enabled: false }), tenantConfig(), undefined, 480, 15020],
    ['a user without Enterprise Voice', user({ enterpriseVoiceEnabled: false }), tenantConfig(), undefined, 480, 15021],
    ['a disabled contact', contact({ enabled: false }), tenantConfig(), 'sip:sa@contoso.com', 480, 15020],
    [
      'hosted with no destination (global without one)',
      user({ hostedVoicemail: { admin: true, provider: null } }),
      tenantConfig(),
      undefined,
      480,
      15030,
    ],
    ['hosted with no provider for the destination', hostedUser, tenantConfig({ providers: [] }), undefined, 500, 15031],
    [
      'hosted with two providers for the destination',
      hostedUser,
      tenantConfig({
        providers: [provider({ proxyFqdn: 'a.outlook.com' }), provider({ id: 'b', proxyFqdn: 'b.outlook.com' })],
        policies: [policy('global'), policy('tag:ExOnline', { destination: 'um.outlook.com' })],
      }),
      undefined,
      500,
      15032,
    ],
    ['hosted through a disabled provider', hostedUser, tenantConfig({ providers: [provider({ enabled: false })] }), undefined, 503, 15033],
    [
      'hosted through a provider that hosts users',
      hostedUser,
      tenantConfig({ providers: [provider({ hostsUsers: true })] }),
      undefined,
      503,
      15034,
    ],
    [
      'hosted through a provider without shared address space',
      hostedUser,
      tenantConfig({ providers: [provider({ sharedAddressSpace: false })] }),
      undefined,
      503,
      15034,
    ],
    [
      'hosted with the edge on default-route',
      hostedUser,
      tenantConfig({ edge: edge({ routingMode: 'default-route' }) }),
      undefined,
      503,
      15035,
    ],
    ['hosted with federation off', hostedUser, tenantConfig({ edge: edge({ allowFederatedUsers: false }) }), undefined, 503, 15035],
    [
      'on-premises without UM enabled',
      user({ onPremisesUm: { enabled: false, dialPlan: 'dp.contoso.com' } }),
      tenantConfig(),
      undefined,
      404,
      15040,
    ],
    [
      'on-premises with an unknown dial plan',
      user({ onPremisesUm: { enabled: true, dialPlan: 'nope.contoso.com' } }),
      tenantConfig(),
      undefined,
      404,
      15041,
    ],
    ['on-premises with no dial plan', user({ onPremisesUm: { enabled: true, dialPlan: null } }), tenantConfig(), undefined, 404, 15041],
    [
      'on-premises with a dial plan without servers',
      user(),
      tenantConfig({ dialPlans: [dialPlan({ servers: [] })] }),
      undefined,
      503,
      15042,
    ],
    [
      'an on-premises contact with an unknown dial plan',
      contact({ onPremisesDialPlan: 'nope.contoso.com' }),
      tenantConfig(),
      'sip:sa@contoso.com',
      404,
      15041,
    ],
  ] as const)('%s: %s', (_name, principal, config, targetInput, sipStatus, code) => {
    const answer = decide(principal, config, targetInput === undefined ? {} : { target: targetInput });
    expect(answer).toMatchObject({ decision: 'reject', sipStatus, diagnostic: { code } });
    expect(answer.alternates).toEqual([]);
    expect(answer.checks.at(-1)).toMatchObject({ step: 'decision', ok: false });
  });

  it('gives every rejection a reason phrase matching its status', () => {
    expect(decide(undefined, tenantConfig(), { target: 'sip:nobody@contoso.com' })).toMatchObject({ reasonPhrase: 'Not Found' });
    expect(decide(user({ enabled: false }))).toMatchObject({ reasonPhrase: 'Temporarily Unavailable' });
    expect(decide(hostedUser, tenantConfig({ providers: [provider({ enabled: false })] }))).toMatchObject({
      reasonPhrase: 'Service Unavailable',
    });
  });
});

describe('hosted or on-premises: admin ?? provider ?? false', () => {
  it.each([
    [null, null, 'on-premises'],
    [null, true, 'hosted'],
    [null, false, 'on-premises'],
    [true, null, 'hosted'],
    [true, false, 'hosted'],
    [false, true, 'on-premises'],
    [false, null, 'on-premises'],
  ] as const)('admin %s, provider %s: %s', (admin, provider, decision) => {
    expect(decide(user({ hostedVoicemailPolicy: 'ExOnline', hostedVoicemail: { admin, provider } })).decision).toBe(decision);
  });

  it('hosted wins over on-premises UM data', () => {
    expect(decide(hostedUser).decision).toBe('hosted');
  });

  it('a contact is hosted exactly when it has no on-premises dial plan', () => {
    expect(decide(contact({ hostedVoicemailPolicy: 'ExOnline' }), tenantConfig(), { target: 'sip:sa@contoso.com' }).decision).toBe(
      'hosted',
    );
    expect(decide(contact({ onPremisesDialPlan: 'dp.contoso.com' }), tenantConfig(), { target: 'sip:sa@contoso.com' }).decision).toBe(
      'on-premises',
    );
  });
});

describe('the hosted answer', () => {
  it('goes to the provider through TLS 5061, with the destination and organizations', () => {
    expect(decide(hostedUser)).toMatchObject({
      decision: 'hosted',
      nextHop: 'sip:exap.um.outlook.com:5061;transport=tls',
      requestUri: 'sip:alice@contoso.com;opaque=app:voicemail',
      headers: { 'Ms-Exum-Destination': 'exap.um.outlook.com', 'Ms-Exum-Organization': 'contoso.onmicrosoft.com' },
      diagnostic: { code: 15001 },
      dialPlanLabel: 'Hosted__exap.um.outlook.com__contoso.onmicrosoft.com',
      alternates: [],
    });
  });

  it('goes through the edge’s next hop when one is configured', () => {
    expect(decide(hostedUser, tenantConfig({ edge: edge({ nextHop: 'sip:edge.contoso.local:5061;transport=tls' }) })).nextHop).toBe(
      'sip:edge.contoso.local:5061;transport=tls',
    );
  });

  it('joins several organizations with commas', () => {
    const config = tenantConfig({
      policies: [policy('global'), policy('tag:ExOnline', { organizations: ['a.onmicrosoft.com', 'b.onmicrosoft.com'] })],
    });
    const answer = decide(hostedUser, config);
    expect(answer.headers['Ms-Exum-Organization']).toBe('a.onmicrosoft.com,b.onmicrosoft.com');
    expect(answer.dialPlanLabel).toBe('Hosted__exap.um.outlook.com__a.onmicrosoft.com,b.onmicrosoft.com');
  });

  it('reaches a hosted contact at its SIP URI', () => {
    const answer = decide(contact({ hostedVoicemailPolicy: 'ExOnline' }), tenantConfig(), {
      target: 'tel:+14255550199',
      reason: 'subscriber-access',
    });
    expect(answer).toMatchObject({ decision: 'hosted', requestUri: 'sip:sa@contoso.com' });
  });

  it('serves a destination through the provider of the same parent domain', () => {
    const config = tenantConfig({
      providers: [provider({ id: 'fab', proxyFqdn: 'proxy.fabrikam.com' })],
      policies: [policy('global', { destination: 'um.fabrikam.com' })],
    });
    expect(decide(user({ hostedVoicemail: { admin: true, provider: null } }), config).nextHop).toBe(
      'sip:proxy.fabrikam.com:5061;transport=tls',
    );
  });
});

describe('policy precedence: tag, else site, else global', () => {
  const config = tenantConfig({
    providers: [
      provider(),
      provider({ id: 'fab', proxyFqdn: 'proxy.fabrikam.com' }),
      provider({ id: 'lit', proxyFqdn: 'proxy.litware.com' }),
    ],
    policies: [
      policy('global', { destination: 'um.litware.com' }),
      policy('site:Redmond', { destination: 'um.fabrikam.com' }),
      policy('tag:ExOnline'),
    ],
  });
  it.each([
    [{ site: 'Redmond', hostedVoicemailPolicy: 'ExOnline' }, 'exap.um.outlook.com'],
    [{ site: 'Redmond', hostedVoicemailPolicy: null }, 'um.fabrikam.com'],
    [{ site: 'Dublin', hostedVoicemailPolicy: null }, 'um.litware.com'],
  ])('%o → %s', (fields, destination) => {
    expect(decide(user({ ...fields, hostedVoicemail: { admin: true, provider: null } }), config).headers['Ms-Exum-Destination']).toBe(
      destination,
    );
  });
});

describe('the on-premises answer', () => {
  it('uses only the servers of the highest Exchange version, the first as next hop, the others as alternates', () => {
    const answer = decide(user(), tenantConfig(), { rotation: 0 });
    expect(answer).toMatchObject({
      decision: 'on-premises',
      nextHop: 'sip:um01.contoso.local:5061;transport=tls',
      requestUri: 'sip:alice@contoso.com;opaque=app:voicemail',
      headers: {},
      dialPlanLabel: 'dp.contoso.com',
      diagnostic: { code: 15000 },
    });
    expect(answer.alternates).toEqual([
      { nextHop: 'sip:um02.contoso.local:5061;transport=tls', requestUri: 'sip:alice@contoso.com;opaque=app:voicemail', headers: {} },
    ]);
  });

  it('rotates the servers per call: by call id when given, else by the rotation counter', () => {
    const first = (options: { callId?: string; rotation?: number }) => decide(user(), tenantConfig(), options);
    expect(first({ rotation: 1 }).nextHop).toBe('sip:um02.contoso.local:5061;transport=tls');
    expect(first({ callId: 'abc@gw' }).nextHop).toBe(first({ callId: 'abc@gw', rotation: 1 }).nextHop);
    const hops = new Set(Array.from({ length: 50 }, (_, index) => first({ callId: `call-${index}@gw` }).nextHop));
    expect(hops).toEqual(new Set(['sip:um01.contoso.local:5061;transport=tls', 'sip:um02.contoso.local:5061;transport=tls']));
  });

  it('keeps each server’s port and transport', () => {
    const config = tenantConfig({
      dialPlans: [dialPlan({ servers: [{ fqdn: 'um9.contoso.local', port: 5065, transport: 'tcp', exchangeVersion: 15 }] })],
    });
    expect(decide(user(), config).nextHop).toBe('sip:um9.contoso.local:5065;transport=tcp');
  });

  it('reaches an on-premises contact at its SIP URI', () => {
    expect(decide(contact({ onPremisesDialPlan: 'dp.contoso.com' }), tenantConfig(), { target: 'sip:sa@contoso.com' }).requestUri).toBe(
      'sip:sa@contoso.com',
    );
  });
});

describe('rerouting numbers, the last alternate', () => {
  it('offers the auto attendant number for a diverted call, without a next hop', () => {
    const answer = decide(user(), tenantConfig({ rerouting: [rerouting('global')] }));
    expect(answer.alternates.at(-1)).toEqual({ nextHop: null, requestUri: 'tel:+14255550000', headers: {} });
  });
  it('offers the subscriber access number for a subscriber access call', () => {
    const answer = decide(contact({ onPremisesDialPlan: 'dp.contoso.com' }), tenantConfig({ rerouting: [rerouting('global')] }), {
      target: 'sip:sa@contoso.com',
      reason: 'subscriber-access',
    });
    expect(answer.alternates.at(-1)?.requestUri).toBe('tel:+14255550001');
  });
  it('prefers the site’s configuration over global, even when the site’s is disabled', () => {
    const config = (siteEnabled: boolean) =>
      tenantConfig({
        rerouting: [rerouting('global'), rerouting('site:Redmond', { enabled: siteEnabled, autoAttendantNumber: '+14255557777' })],
      });
    expect(decide(user({ site: 'Redmond' }), config(true)).alternates.at(-1)?.requestUri).toBe('tel:+14255557777');
    expect(decide(user({ site: 'Redmond' }), config(false)).alternates).toHaveLength(1);
    expect(decide(user({ site: 'Dublin' }), config(true)).alternates.at(-1)?.requestUri).toBe('tel:+14255550000');
  });
  it('applies to hosted answers too', () => {
    expect(decide(hostedUser, tenantConfig({ rerouting: [rerouting('global')] })).alternates).toEqual([
      { nextHop: null, requestUri: 'tel:+14255550000', headers: {} },
    ]);
  });
  it('offers nothing when disabled or without the number', () => {
    expect(decide(user(), tenantConfig({ rerouting: [rerouting('global', { enabled: false })] })).alternates).toHaveLength(1);
    expect(decide(user(), tenantConfig({ rerouting: [rerouting('global', { autoAttendantNumber: null })] })).alternates).toHaveLength(1);
  });
});

describe('explanations', () => {
  it('lists the checks in order, each with what it found', () => {
    const steps = decide(hostedUser, tenantConfig({ rerouting: [rerouting('global')] })).checks.map((check) => check.step);
    expect(steps).toEqual([
      'find object',
      'usable',
      'hosted or on-premises',
      'hosted voicemail policy',
      'hosting provider',
      'edge',
      'rerouting',
      'decision',
    ]);
    expect(decide(user({ hostedVoicemail: { admin: null, provider: true }, hostedVoicemailPolicy: 'ExOnline' })).checks[2]!.found).toBe(
      'hosted (admin has not said; provider says true)',
    );
  });
});
