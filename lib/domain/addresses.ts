// Addresses as SIP and the domain reference define them: FQDNs, SIP addresses of record,
// tel: line URIs and E.164 numbers. Pure parsing and normalisation, no I/O.
// Host parts and the scheme are case-insensitive (RFC 3261 §19.1.4); the user part is not.

export type Parsed<T> = { ok: true; value: T } | { ok: false; rule: string; message: string };

const fail = (rule: string, message: string): Parsed<never> => ({ ok: false, rule, message });

/** Any UTF-16 code unit past ASCII (surrogates included). */
const NON_ASCII = /[\u0080-\uffff]/;
const FQDN_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** An FQDN: at most 255 characters, dot-separated labels of letters, digits, `-` and `_`. */
export function parseFqdn(input: string): Parsed<string> {
  if (NON_ASCII.test(input)) {
    // Unicode look-alikes (Cyrillic "о" in contoso.com) would route calls somewhere else.
    return fail('ascii-fqdn', 'must be ASCII: write internationalised names in punycode (xn--)');
  }
  const fqdn = input.toLowerCase().replace(/\.$/, '');
  if (fqdn.length === 0 || fqdn.length > 255) return fail('fqdn', 'must be an FQDN of 1 to 255 characters');
  const labels = fqdn.split('.');
  if (labels.length < 2) return fail('fqdn', 'must be a fully qualified domain name (at least two labels)');
  if (!labels.every((label) => FQDN_LABEL.test(label))) {
    return fail('fqdn', 'must be dot-separated labels of letters, digits, "-" and "_", each 1 to 63 characters');
  }
  if (/^[0-9.]+$/.test(fqdn)) return fail('fqdn', 'must be a domain name, not an IP address');
  return { ok: true, value: fqdn };
}

/** The parent domain of an FQDN (`um.fabrikam.com` → `fabrikam.com`). */
export function parentDomain(fqdn: string): string {
  const dot = fqdn.indexOf('.');
  return dot === -1 ? fqdn : fqdn.slice(dot + 1);
}

// RFC 3261 user part: unreserved, escaped and user-unreserved characters.
const SIP_USER = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
const UNRESERVED = /[A-Za-z0-9\-_.!~*'()]/;

/** Percent-encoding normalised so equal users compare equal: unreserved characters decoded, hex upper-cased. */
export function normaliseSipUser(user: string): string {
  return user.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

export interface SipAddress {
  user: string;
  host: string;
}

export const formatSipAddress = ({ user, host }: SipAddress): string => `sip:${user}@${host}`;

/**
 * A stored SIP address of record: `sip:user@host`, nothing else. Parameters, ports and headers
 * belong to requests, not to the address a user or contact is known by.
 */
export function parseSipAddress(input: string): Parsed<SipAddress> {
  if (!/^sip:/i.test(input)) return fail('sip-scheme', 'must start with "sip:"');
  const rest = input.slice(4);
  const at = rest.lastIndexOf('@');
  if (at <= 0) return fail('sip-address', 'must be sip:user@host');
  const user = rest.slice(0, at);
  const host = rest.slice(at + 1);
  if (/[;?:]/.test(host)) {
    return fail('sip-address-of-record', 'must be an address of record (sip:user@host) without port, parameters or headers');
  }
  if (!SIP_USER.test(user) || /[;?]/.test(user)) return fail('sip-user', 'the user part holds characters SIP does not allow');
  const parsedHost = parseFqdn(host);
  if (!parsedHost.ok) return fail(parsedHost.rule, `host ${parsedHost.message}`);
  return { ok: true, value: { user: normaliseSipUser(user), host: parsedHost.value } };
}

const E164 = /^\+[1-9][0-9]{0,14}$/;

/** A line URI: `tel:+E164`, optionally `;ext=digits`. `tel:+X` and `tel:+X;ext=Y` are different numbers. */
export function parseLineUri(input: string): Parsed<string> {
  const match = /^tel:(\+[0-9]+)(?:;ext=([0-9]{1,15}))?$/i.exec(input);
  if (!match) return fail('line-uri', 'must be tel:+E164 with an optional ;ext=digits (for example tel:+14255550100;ext=100)');
  const [, number, ext] = match as RegExpExecArray & [string, string, string | undefined];
  if (!E164.test(number)) return fail('e164', 'the number must be E.164: "+", a first digit 1-9, at most 15 digits');
  return { ok: true, value: ext === undefined ? `tel:${number}` : `tel:${number};ext=${ext}` };
}

/** A contact's display number: optional "+", digits only, first digit not 0; it becomes `tel:+digits`. */
export function parseDisplayNumber(input: string): Parsed<string> {
  if (!/^\+?[0-9]+$/.test(input)) return fail('display-number-digits', 'must be digits only, with an optional leading "+"');
  const digits = input.replace(/^\+/, '');
  if (digits.startsWith('0')) return fail('display-number-leading-zero', 'must not start with 0');
  if (digits.length > 15) return fail('e164', 'must have at most 15 digits (E.164)');
  return { ok: true, value: `+${digits}` };
}

/** A PSTN number as E.164 (`+14255550100`); used for rerouting numbers. */
export function parseE164(input: string): Parsed<string> {
  const compact = input.replace(/^tel:/i, '');
  if (!E164.test(compact)) return fail('e164', 'must be E.164: "+", a first digit 1-9, at most 15 digits');
  return { ok: true, value: compact };
}

/** A SIP URI with optional port and parameters (an edge next hop, for example). Host part lower-cased. */
export function parseSipUri(input: string): Parsed<string> {
  const match =
    /^(sips?):(?:([^@;?]+)@)?([A-Za-z0-9._-]+)(:[0-9]{1,5})?((?:;[A-Za-z0-9\-_.!~*'()%]+(?:=[A-Za-z0-9\-_.!~*'()%:[\]/+$]*)?)*)$/i.exec(
      input,
    );
  if (!match) return fail('sip-uri', 'must be a SIP URI such as sip:edge.contoso.local:5061;transport=tls');
  const [, scheme, user, host, port, params] = match as RegExpExecArray &
    [string, string, string | undefined, string, string | undefined, string];
  if (port !== undefined && Number(port.slice(1)) > 65535) return fail('sip-uri', 'port must be 1 to 65535');
  const parsedHost = parseFqdn(host);
  if (!parsedHost.ok) return fail(parsedHost.rule, `host ${parsedHost.message}`);
  const userPart = user === undefined ? '' : `${user}@`;
  return { ok: true, value: `${scheme.toLowerCase()}:${userPart}${parsedHost.value}${port ?? ''}${params}` };
}
