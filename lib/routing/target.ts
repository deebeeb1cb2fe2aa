// The target of a resolution, as a gateway sends it: a SIP URI (any parameters, port and
// headers; `user=phone` makes it a number), a tel: URI, or a bare +E.164 number. Parsed to
// what the store is keyed by: a SIP address of record, or a line URI.
import { normaliseSipUser, parseFqdn, type Parsed } from '../domain/addresses.js';

export type Target = { kind: 'sip'; addressOfRecord: string; host: string; hostIsIp: boolean } | { kind: 'number'; lineUri: string };

export const MAX_TARGET_LENGTH = 2048;

const fail = (rule: string, message: string): Parsed<never> => ({ ok: false, rule, message });

// RFC 3966 visual separators may appear in phone numbers; they carry no meaning.
const VISUAL_SEPARATORS = /[-.()]/g;

/** A global number (`+` digits, visual separators allowed) with an optional extension, as a line URI. */
function parseGlobalNumber(number: string, extension: string | undefined): Parsed<Target> {
  const digits = number.replace(VISUAL_SEPARATORS, '');
  if (!/^\+[1-9][0-9]{0,14}$/.test(digits)) {
    return fail('e164', 'the number must be E.164: "+", a first digit 1-9, at most 15 digits (visual separators - . ( ) allowed)');
  }
  if (extension === undefined) return { ok: true, value: { kind: 'number', lineUri: `tel:${digits}` } };
  const ext = extension.replace(VISUAL_SEPARATORS, '');
  if (!/^[0-9]{1,15}$/.test(ext)) return fail('extension', 'an extension must be 1 to 15 digits');
  return { ok: true, value: { kind: 'number', lineUri: `tel:${digits};ext=${ext}` } };
}

/** `+number;param=value;...` → the number and its `ext` parameter (other parameters are ignored). */
function splitTelephoneSubscriber(subscriber: string): { number: string; extension: string | undefined; duplicateExt: boolean } {
  const [number = '', ...params] = subscriber.split(';');
  const extensions = params.filter((param) => /^ext=/i.test(param)).map((param) => param.slice(4));
  return { number, extension: extensions[0], duplicateExt: extensions.length > 1 };
}

function parseNumberTarget(subscriber: string): Parsed<Target> {
  const { number, extension, duplicateExt } = splitTelephoneSubscriber(subscriber);
  if (duplicateExt) return fail('extension', 'a number has at most one ;ext=');
  if (!number.startsWith('+')) {
    return fail('e164', 'only global numbers (+E.164) can be resolved: a local number has no meaning without its phone context');
  }
  return parseGlobalNumber(number, extension);
}

const IPV4 = /^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}$/;
const IPV6_REFERENCE = /^\[[0-9A-Fa-f:.]{2,45}\]$/;

function parseSipTarget(rest: string): Parsed<Target> {
  // userinfo cannot hold a raw "@" (RFC 3261 §25.1), so the first one ends it.
  const at = rest.indexOf('@');
  if (at === -1) return fail('sip-user', 'a SIP target needs a user part (sip:user@host)');
  const userinfo = rest.slice(0, at);
  const hostAndRest = rest.slice(at + 1);
  const user = userinfo.split(':')[0] ?? '';
  if (user === '') return fail('sip-user', 'a SIP target needs a user part (sip:user@host)');
  if (!/^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/.test(user)) {
    return fail('sip-user', 'the user part holds characters SIP does not allow (escape them as %XX)');
  }

  const [hostPort = '', ...params] = hostAndRest.split('?')[0]!.split(';');
  const userIsPhone = params.some((param) => param.toLowerCase() === 'user=phone');
  let host: string;
  let hostIsIp = false;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    host = hostPort.slice(0, close + 1);
    const port = hostPort.slice(close + 1);
    if (close === -1 || !IPV6_REFERENCE.test(host) || (port !== '' && !/^:[0-9]{1,5}$/.test(port))) {
      return fail('sip-host', 'the host is not a valid IPv6 reference ([2001:db8::1])');
    }
    host = host.toLowerCase();
    hostIsIp = true;
  } else {
    const [name = '', port, ...extra] = hostPort.split(':');
    if (extra.length > 0 || (port !== undefined && !/^[0-9]{1,5}$/.test(port))) return fail('sip-host', 'the host:port is malformed');
    if (name === '') return fail('sip-host', 'a SIP target needs a host');
    if (IPV4.test(name)) {
      host = name;
      hostIsIp = true;
    } else {
      const parsed = parseFqdn(name);
      if (!parsed.ok) return fail(parsed.rule, `host ${parsed.message}`);
      host = parsed.value;
    }
  }

  // RFC 3261 §19.1.1: with user=phone the user part is a telephone-subscriber (RFC 3966).
  if (userIsPhone) return parseNumberTarget(decodeURIComponentSafe(user));
  return { ok: true, value: { kind: 'sip', addressOfRecord: `sip:${normaliseSipUser(user)}@${host}`, host, hostIsIp } };
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // Not percent-encoding after all: the value is matched as written.
    return value;
  }
}

/**
 * Parses a resolution target. `sips:` resolves like `sip:`: the address of record is the same
 * user, and our next hops are TLS anyway. URI parameters (opaque=app:voicemail, transport, ...),
 * ports and headers are ignored for matching, as SIP address-of-record matching does.
 */
export function parseTarget(input: string): Parsed<Target> {
  if (input.length > MAX_TARGET_LENGTH) return fail('max-length', `must be at most ${MAX_TARGET_LENGTH} characters`);
  if (/[^\x21-\x7e]/.test(input)) {
    return fail('ascii', 'must be printable ASCII without spaces: escape SIP user characters as %XX and write hosts in punycode');
  }
  const scheme = /^([A-Za-z]+):/.exec(input)?.[1]?.toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSipTarget(input.slice(scheme.length + 1));
  if (scheme === 'tel') return parseNumberTarget(input.slice(4));
  if (input.startsWith('+')) return parseNumberTarget(input);
  return fail('target-form', 'must be a sip: URI, a tel: URI or a +E.164 number');
}
