// The delivery side of the endpoint rules (lib/domain/endpoint-rules.ts): before an event is
// posted, the endpoint's name is resolved once, every address it resolves to is checked, and the
// connection is then made to those checked addresses only (signed-post.ts pins its lookup to
// them), so a name that answers differently the second time (DNS rebinding) cannot slip past.
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { addressRefusal, endpointUrlRefusal, type EndpointPolicy } from '../domain/endpoint-rules.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a name resolves to (tests inject their own). */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The system's resolver (getaddrinfo, as any connection would use), all addresses in its order. */
export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, order: 'verbatim' })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

export type EndpointCheck = { allowed: true; addresses: readonly ResolvedAddress[] } | { allowed: false; reason: string };

const refusedBy = (rule: string, message: string): EndpointCheck => ({
  allowed: false,
  reason: `endpoint not allowed (${rule}): ${message}`,
});

/**
 * The addresses the endpoint may be reached at, or why it may not be reached at all: the URL
 * breaks a rule, or its name resolves to at least one address that is not global unicast. A
 * resolution that fails throws (the network's trouble: retried like any other network error).
 */
export async function checkEndpoint(url: URL, policy: EndpointPolicy, resolve: Resolver): Promise<EndpointCheck> {
  if (!policy.allowLoopback) {
    const refusal = endpointUrlRefusal(url.href, policy);
    if (refusal !== undefined) return refusedBy(refusal.rule, refusal.message);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = ipaddr.isValid(host);
  const addresses: readonly ResolvedAddress[] = literal
    ? [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }]
    : await resolve(host);
  if (addresses.length === 0) throw new Error(`${host} resolves to no address`);
  for (const { address } of addresses) {
    const why = addressRefusal(address, policy);
    if (why !== undefined) {
      return refusedBy('public-address', literal ? `${address} is ${why}` : `${host} resolves to ${address}, ${why}`);
    }
  }
  if (policy.allowLoopback) {
    const loopback = addresses.every(({ address }) => ipaddr.process(address).range() === 'loopback');
    const refusal = endpointUrlRefusal(url.href, policy, loopback);
    if (refusal !== undefined) return refusedBy(refusal.rule, refusal.message);
  }
  return { allowed: true, addresses };
}
