// What a hosting provider's event endpoint may be, so that the stream processor can only ever call
// the provider (issue 15: server-side request forgery). Two checks, both pure:
//   - the URL, at write time and again at delivery: https, a public DNS name (no IP literal in any
//     notation), no user-info, the default port unless the operator allowed another;
//   - every address the name resolves to, at delivery (lib/provider-events/endpoint-guard.ts):
//     only global unicast, never loopback, private, link-local, carrier-grade NAT, unique-local,
//     multicast, unspecified, broadcast, reserved, nor an IPv4 one of those hidden in IPv6.
// Loopback providers (local development and the tests) are allowed only when the local service
// is started with --allow-loopback-providers; never in AWS.
import ipaddr from 'ipaddr.js';

export interface EndpointPolicy {
  /** Ports other than 443 an endpoint may name (EXUM_PROVIDER_ALLOWED_PORTS); none by default. */
  allowedPorts: readonly number[];
  /** Local development and tests only: http(s) to 127.0.0.0/8, ::1 and localhost. */
  allowLoopback: boolean;
}

export const STRICT_ENDPOINT_POLICY: EndpointPolicy = { allowedPorts: [], allowLoopback: false };

export type EndpointRule =
  'url' | 'https-only' | 'no-user-info' | 'dns-name-not-ip' | 'public-dns-name' | 'allowed-port' | 'public-address';

export interface EndpointRefusal {
  rule: EndpointRule;
  message: string;
}

/**
 * Names that can only be internal: localhost and its subdomains (RFC 6761), single labels (search
 * domains make them resolve inside), and the special-use suffixes that never resolve on the public
 * internet: .internal (ICANN's private-use TLD, 2024; metadata.google.internal and EC2's
 * *.compute.internal are under it), .local (mDNS), .localdomain and .home.arpa (RFC 8375).
 */
const INTERNAL_SUFFIXES = ['localhost', 'internal', 'local', 'localdomain', 'home.arpa'];

const bare = (hostname: string): string => hostname.replace(/^\[|\]$/g, '');

/** The hostname as the WHATWG URL parser leaves it, without a trailing dot and brackets. */
const hostOf = (url: URL): string => bare(url.hostname).replace(/\.$/, '').toLowerCase();

const isLoopbackName = (host: string): boolean => host === 'localhost' || host.endsWith('.localhost');

/** Whether `host` (a hostname or address, brackets allowed) is a loopback address or localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = bare(hostname).replace(/\.$/, '').toLowerCase();
  if (isLoopbackName(host)) return true;
  if (!ipaddr.isValid(host)) return false;
  return ipaddr.process(host).range() === 'loopback';
}

/** The URL with its user-info part (user:password@) replaced by "***@", for display and the audit trail. */
export function maskUserInfo(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.username === '' && parsed.password === '') return url;
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
}

/**
 * The first rule the URL breaks, or undefined. `loopbackTarget`: the connection would go to this
 * machine (at write time: the host is a loopback address or localhost; at delivery: every address
 * the name resolved to is loopback); only with the policy's allowLoopback does that relax the rules.
 */
export function endpointUrlRefusal(url: string, policy: EndpointPolicy, loopbackTarget?: boolean): EndpointRefusal | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { rule: 'url', message: 'must be an absolute URL' };
  }
  const host = hostOf(parsed);
  if (parsed.username !== '' || parsed.password !== '') {
    return {
      rule: 'no-user-info',
      message: 'must carry no user name or password (user-info@): the endpoint is authenticated by the signature',
    };
  }
  if (parsed.port === '0') return { rule: 'allowed-port', message: 'port 0 is no port' };
  if (policy.allowLoopback && (loopbackTarget ?? isLoopbackHost(host))) {
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return undefined;
  }
  if (parsed.protocol !== 'https:') return { rule: 'https-only', message: 'must be an https URL' };
  if (parsed.hostname.startsWith('[') || ipaddr.IPv4.isValidFourPartDecimal(host) || ipaddr.isValid(host)) {
    return { rule: 'dns-name-not-ip', message: `must name the provider by a DNS name, not an IP address (${parsed.hostname})` };
  }
  if (!host.includes('.') || INTERNAL_SUFFIXES.some((suffix) => host === suffix || host.endsWith(`.${suffix}`))) {
    return {
      rule: 'public-dns-name',
      message: `must be a public DNS name: ${host} is ${host.includes('.') ? 'an internal name' : 'a single label'}`,
    };
  }
  if (parsed.port !== '' && !policy.allowedPorts.includes(Number(parsed.port))) {
    return {
      rule: 'allowed-port',
      message: `port ${parsed.port} is not allowed: ${
        policy.allowedPorts.length === 0 ? 'only the default (443)' : `443 or ${policy.allowedPorts.join(', ')}`
      } (EXUM_PROVIDER_ALLOWED_PORTS)`,
    };
  }
  return undefined;
}

const RANGE_NAMES: Record<string, string> = {
  unspecified: 'an unspecified address',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  private: 'a private address (RFC 1918)',
  reserved: 'a reserved address',
  uniqueLocal: 'a unique-local address (fc00::/7)',
  deprecatedSiteLocal: 'a site-local address (fec0::/10)',
};

const rangeName = (range: string): string => RANGE_NAMES[range] ?? `a special-purpose address (${range})`;

/**
 * The address in its canonical form, or undefined when it is none. An IPv6 address goes through
 * the WHATWG URL parser first: ipaddr.js reads any "::a.b.c.d" as IPv4-mapped, though without
 * ffff it is IPv4-compatible (the URL parser writes ::8.8.8.8 as ::808:808). A zone (%eth0) is dropped.
 */
function canonicalAddress(address: string): string | undefined {
  const bareAddress = address.replace(/%.*$/, '');
  if (ipaddr.IPv4.isValidFourPartDecimal(bareAddress)) return bareAddress;
  if (!bareAddress.includes(':') || !ipaddr.IPv6.isValid(bareAddress)) return undefined;
  try {
    return bare(new URL(`http://[${bareAddress}]/`).hostname);
  } catch {
    return undefined;
  }
}

/**
 * Why the endpoint may not be reached at `address`, or undefined when it may: only global unicast
 * addresses pass (loopback too under allowLoopback). IPv4-mapped (::ffff:a.b.c.d) and NAT64
 * (64:ff9b::/96) addresses are judged by the IPv4 address inside; IPv4-compatible ones (::a.b.c.d,
 * deprecated) are refused whatever they hold.
 */
export function addressRefusal(address: string, policy: EndpointPolicy): string | undefined {
  const canonical = canonicalAddress(address);
  if (canonical === undefined) return 'not an IP address';
  const parsed = ipaddr.parse(canonical);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    const parts = v6.parts;
    const range = v6.range();
    if (range === 'ipv4Mapped' || (range === 'rfc6052' && parts[2] === 0 && parts[3] === 0 && parts[4] === 0 && parts[5] === 0)) {
      const inner = ipaddr.fromByteArray(v6.toByteArray().slice(12)).toString();
      const why = addressRefusal(inner, policy);
      return why === undefined ? undefined : `${why}, embedded in the IPv6 address`;
    }
    if (range === 'unicast' && parts.slice(0, 6).every((part) => part === 0)) {
      const inner = ipaddr.fromByteArray(v6.toByteArray().slice(12)).toString();
      return `an IPv4-compatible IPv6 address (deprecated; embeds ${inner})`;
    }
  }
  const range = parsed.range();
  if (range === 'unicast') return undefined;
  if (range === 'loopback' && policy.allowLoopback) return undefined;
  return rangeName(range);
}

/** EXUM_PROVIDER_ALLOWED_PORTS: a comma-separated list of ports (1-65535); empty or unset: none. */
export function parseAllowedPorts(value: string | undefined): number[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((part) => {
    const port = Number(part.trim());
    if (!Number.isInteger(port) || port < 1 || port > 65535 || part.trim() === '') {
      throw new Error(`EXUM_PROVIDER_ALLOWED_PORTS: "${part.trim()}" is not a port (1-65535)`);
    }
    return port;
  });
}
