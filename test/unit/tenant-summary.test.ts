// The tenant summary's pure rules: where a user or contact routes from its record alone, how the
// counters move when records change, and the mode the counts make (docs/domain.md, section 1).
import { describe, expect, it } from 'vitest';
import { bucketDeltas, emptyCounts, modeOf, routeOf, tally } from '../../lib/domain/tenant-summary.js';
import { contact, user } from '../support/builders.js';

describe('the route of a user or contact', () => {
  it.each([
    ['a UM-enabled user with a dial plan', user(), 'onPremises'],
    ['a user hosted by the admin', user({ hostedVoicemail: { admin: true, provider: false } }), 'hosted'],
    ['a user hosted by the provider while the admin says nothing', user({ hostedVoicemail: { admin: null, provider: true } }), 'hosted'],
    ['a user the admin keeps on premises over the provider', user({ hostedVoicemail: { admin: false, provider: true } }), 'onPremises'],
    [
      'a hosted user without UM data (hosted wins)',
      user({ onPremisesUm: { enabled: false, dialPlan: null }, hostedVoicemail: { admin: true, provider: null } }),
      'hosted',
    ],
    ['a user neither hosted nor UM-enabled', user({ onPremisesUm: { enabled: false, dialPlan: 'dp.contoso.com' } }), 'notRoutable'],
    ['a UM-enabled user without a dial plan', user({ onPremisesUm: { enabled: true, dialPlan: null } }), 'notRoutable'],
    ['a disabled hosted user', user({ enabled: false, hostedVoicemail: { admin: true, provider: null } }), 'notRoutable'],
    ['a user not enabled for Enterprise Voice', user({ enterpriseVoiceEnabled: false }), 'notRoutable'],
    ['a contact without a dial plan', contact(), 'hosted'],
    ['a contact with a dial plan', contact({ onPremisesDialPlan: 'dp.contoso.com' }), 'onPremises'],
    ['a disabled contact', contact({ enabled: false }), 'notRoutable'],
  ] as const)('%s: %s', (_name, principal, route) => {
    expect(routeOf(principal)).toBe(route);
  });
});

describe('the counters', () => {
  it('move only when a record changes bucket, and sum over changes', () => {
    const onPremises = user();
    const hosted = user({ hostedVoicemail: { admin: true, provider: null } });
    expect([...bucketDeltas([{ before: onPremises, after: user({ displayName: 'Alice' }) }])]).toEqual([]);
    expect(Object.fromEntries(bucketDeltas([{ before: onPremises, after: hosted }]))).toEqual({ 'user:onPremises': -1, 'user:hosted': 1 });
    expect(
      Object.fromEntries(
        bucketDeltas([
          { before: null, after: hosted },
          { before: null, after: contact({ kind: 'auto-attendant' }) },
          { before: hosted, after: null },
        ]),
      ),
    ).toEqual({ 'auto-attendant:hosted': 1 });
  });
});

describe('the mode', () => {
  it('is on-premises when none routes hosted (an empty tenant too), cross-premises when every routable one does, mixed otherwise', () => {
    expect(modeOf(emptyCounts())).toBe('on-premises');
    expect(modeOf(tally([user(), contact({ onPremisesDialPlan: 'dp.contoso.com' })]))).toBe('on-premises');
    // Not routable ones are not enabled for voicemail: they count neither way.
    expect(modeOf(tally([contact(), user({ enabled: false })]))).toBe('cross-premises');
    expect(modeOf(tally([contact(), user()]))).toBe('mixed');
  });
});
