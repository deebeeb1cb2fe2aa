// Delivery to a provider's event endpoint goes only to addresses that were checked (issue 15,
// item 1): the name is resolved once, every address checked, and the connection pinned to them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRICT_ENDPOINT_POLICY, type EndpointPolicy } from '../../lib/domain/endpoint-rules.js';
import { deliverOrDeadLetter, type DeliveryDeps } from '../../lib/provider-events/deliver-or-dead-letter.js';
import type { Resolver } from '../../lib/provider-events/endpoint-guard.js';
import type { ProviderEvent } from '../../lib/provider-events/event-schemas.js';
import type { OutgoingEvent } from '../../lib/provider-events/events-for-change.js';
import { postSignedEvent } from '../../lib/provider-events/signed-post.js';
import type { EventStore } from '../../lib/store/event-store.js';
import type { MigrationStore } from '../../lib/store/migration-store.js';
import { PROVIDER_SECRET, startProviderServer, type ProviderServer } from '../support/provider-server.js';

const LOOPBACK: EndpointPolicy = { allowedPorts: [], allowLoopback: true };

const event = {
  id: 'evt_endpoint_rules_1',
  type: 'contact.created',
  specVersion: '1.0',
  time: '2026-01-01T00:00:00.000Z',
  tenantId: 'contoso',
  providerId: 'exo',
  data: {
    sipUri: 'sip:aa@contoso.com',
    displayNumber: null,
    lineUri: null,
    kind: 'auto-attendant',
    enabled: true,
    enterpriseVoiceEnabled: true,
    description: '',
    destination: 'exap.um.outlook.com',
    organizations: [],
  },
} as ProviderEvent;

/** A resolver that answers from a table and remembers what it was asked. */
function resolverOf(answers: Record<string, string[]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const addresses = answers[hostname];
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));
  };
  return Object.assign(resolve, { asked });
}

let provider: ProviderServer;
let port: number;
beforeAll(async () => {
  provider = await startProviderServer();
  port = Number(new URL(provider.url).port);
});
afterAll(() => provider.stop());

describe('a delivery', () => {
  it('to a name that resolves to 127.0.0.1, loopback allowed, connects to the checked address and says the name in Host', async () => {
    // provider.exum.test is no name DNS knows (.test is reserved): only the pinned lookup can reach the server.
    const resolve = resolverOf({ 'provider.exum.test': ['127.0.0.1'] });
    const before = provider.received.length;
    const outcome = await postSignedEvent({ url: `http://provider.exum.test:${port}/events`, secret: PROVIDER_SECRET }, event, {
      policy: LOOPBACK,
      resolve,
    });
    expect(outcome).toEqual({ outcome: 'delivered', status: 204 });
    expect(resolve.asked).toEqual(['provider.exum.test']);
    expect(provider.received.length).toBe(before + 1);
    expect(provider.received.at(-1)!.headers.host).toBe(`provider.exum.test:${port}`);
  });

  it('to a name that resolves to a private address is refused without connecting', async () => {
    const before = provider.received.length;
    const outcome = await postSignedEvent({ url: 'https://events.provider.example.com/exum', secret: PROVIDER_SECRET }, event, {
      resolve: resolverOf({ 'events.provider.example.com': ['10.0.0.5'] }),
    });
    expect(outcome).toEqual({
      outcome: 'permanent',
      status: null,
      error: 'endpoint not allowed (public-address): events.provider.example.com resolves to 10.0.0.5, a private address (RFC 1918)',
    });
    expect(provider.received.length).toBe(before);
  });

  it('is refused when one of the addresses is private, whichever comes first', async () => {
    for (const addresses of [
      ['93.184.215.14', '169.254.169.254'],
      ['fd00:ec2::254', '93.184.215.14'],
    ]) {
      const outcome = await postSignedEvent({ url: 'https://events.provider.example.com/exum', secret: PROVIDER_SECRET }, event, {
        resolve: resolverOf({ 'events.provider.example.com': addresses }),
      });
      expect(outcome.outcome).toBe('permanent');
      expect(outcome.status).toBeNull();
      expect((outcome as { error: string }).error).toMatch(
        /public-address.*(169\.254\.169\.254, a link-local|fd00:ec2::254, a unique-local)/,
      );
    }
  });

  it('to the local provider server is refused by the strict rules (the AWS stream processor): http, an IP, loopback', async () => {
    const before = provider.received.length;
    for (const [url, rule] of [
      [provider.url, 'https-only'],
      [`https://127.0.0.1:${port}/events`, 'dns-name-not-ip'],
      [`https://2130706433:${port}/events`, 'dns-name-not-ip'],
      [`https://provider.exum.test/events`, 'public-address'],
      [`https://user:pass@provider.exum.test/events`, 'no-user-info'],
      [`https://provider.exum.test:22/events`, 'allowed-port'],
    ] as const) {
      const outcome = await postSignedEvent({ url, secret: PROVIDER_SECRET }, event, {
        policy: STRICT_ENDPOINT_POLICY,
        resolve: resolverOf({ 'provider.exum.test': ['127.0.0.1'] }),
      });
      expect(outcome, url).toMatchObject({ outcome: 'permanent', status: null, error: expect.stringContaining(`(${rule})`) });
    }
    expect(provider.received.length).toBe(before);
  });

  it('with loopback allowed, still refuses a name that resolves to loopback and a private address', async () => {
    const outcome = await postSignedEvent({ url: `http://provider.exum.test:${port}/events`, secret: PROVIDER_SECRET }, event, {
      policy: LOOPBACK,
      resolve: resolverOf({ 'provider.exum.test': ['127.0.0.1', '192.168.1.10'] }),
    });
    expect(outcome).toMatchObject({
      outcome: 'permanent',
      status: null,
      error: expect.stringContaining('192.168.1.10, a private address'),
    });
  });

  it('whose name does not resolve is retried as any network failure', async () => {
    const outcome = await postSignedEvent({ url: 'https://events.provider.example.com/exum', secret: PROVIDER_SECRET }, event, {
      resolve: resolverOf({}),
    });
    expect(outcome).toMatchObject({ outcome: 'retryable', status: null, error: expect.stringContaining('ENOTFOUND') });
  });
});

describe('a refused endpoint', () => {
  it('dead-letters the event at once, with the refused address and why, and is not retried', async () => {
    const deadLetters: { reason: string; attempts: number; lastStatus: number | null }[] = [];
    let counted = 0;
    const resolve = resolverOf({ 'events.provider.example.com': ['10.20.30.40'] });
    const deps: DeliveryDeps = {
      events: {
        putDeadLetter: async (_tenant: string, letter: { reason: string; attempts: number; lastStatus: number | null }) => {
          deadLetters.push(letter);
        },
        countAttempt: async () => ++counted,
        // eslint-disable-next-line no-restricted-syntax -- the two methods a delivery calls, not a whole store
      } as unknown as EventStore,
      migrations: {} as MigrationStore,
      now: () => new Date('2026-01-01T00:00:00.000Z'),
      endpointOf: async () => ({ url: 'https://events.provider.example.com/exum', secret: PROVIDER_SECRET }),
      resolve,
      backoffMs: [1, 1, 1],
    };
    const outgoing: OutgoingEvent = { providerId: 'exo', subject: 'sip:aa@contoso.com', migration: null, event };
    expect(await deliverOrDeadLetter(deps, 'contoso', outgoing)).toBe('dead-lettered');
    expect(resolve.asked).toEqual(['events.provider.example.com']);
    expect(deadLetters).toEqual([
      expect.objectContaining({
        reason: 'endpoint not allowed (public-address): events.provider.example.com resolves to 10.20.30.40, a private address (RFC 1918)',
        attempts: 1,
        lastStatus: null,
      }),
    ]);
  });
});
