import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  parentDomain,
  parseDisplayNumber,
  parseE164,
  parseFqdn,
  parseLineUri,
  parseSipAddress,
  parseSipUri,
} from '../../lib/domain/addresses.js';

const value = <T>(parsed: { ok: true; value: T } | { ok: false }) => (parsed.ok ? parsed.value : undefined);
const rule = (parsed: { ok: true } | { ok: false; rule: string }) => (parsed.ok ? undefined : parsed.rule);

describe('parseFqdn', () => {
  it.each([
    ['um.fabrikam.com', 'um.fabrikam.com'],
    ['UM.Fabrikam.COM', 'um.fabrikam.com'],
    ['exap.um.outlook.com.', 'exap.um.outlook.com'],
    ['_sip._tls.contoso.com', '_sip._tls.contoso.com'],
    ['xn--cntoso-3ve.com', 'xn--cntoso-3ve.com'],
  ])('accepts %s as %s', (input, expected) => expect(value(parseFqdn(input))).toBe(expected));

  it.each([
    ['contoso', 'fqdn'],
    ['cont oso.com', 'fqdn'],
    ['-contoso.com', 'fqdn'],
    ['contoso..com', 'fqdn'],
    ['10.0.0.1', 'fqdn'],
    ['cоntoso.com', 'ascii-fqdn'], // Cyrillic о
    [`${'a'.repeat(64)}.com`, 'fqdn'],
    [`${'a.'.repeat(128)}com`, 'fqdn'],
  ])('refuses %s (%s)', (input, expectedRule) => expect(rule(parseFqdn(input))).toBe(expectedRule));

  it('finds the parent domain', () => {
    expect(parentDomain('um.fabrikam.com')).toBe('fabrikam.com');
    expect(parentDomain('proxy.fabrikam.com')).toBe('fabrikam.com');
  });
});

describe('parseSipAddress', () => {
  it('lower-cases scheme and host, keeps the user part as written', () => {
    expect(value(parseSipAddress('SIP:Alice@Contoso.COM'))).toEqual({ user: 'Alice', host: 'contoso.com' });
  });
  it('normalises percent-encoding of unreserved characters', () => {
    expect(value(parseSipAddress('sip:%61lice%2a@contoso.com'))).toEqual({ user: 'alice*', host: 'contoso.com' });
    expect(value(parseSipAddress('sip:a%2fb@contoso.com'))).toEqual({ user: 'a%2Fb', host: 'contoso.com' });
  });
  it.each([
    ['alice@contoso.com', 'sip-scheme'],
    ['sips:alice@contoso.com', 'sip-scheme'],
    ['tel:+14255550100', 'sip-scheme'],
    ['sip:contoso.com', 'sip-address'],
    ['sip:@contoso.com', 'sip-address'],
    ['sip:alice@contoso.com;opaque=app:voicemail', 'sip-address-of-record'],
    ['sip:alice@contoso.com:5061', 'sip-address-of-record'],
    ['sip:al ice@contoso.com', 'sip-user'],
    ['sip:alice@cоntoso.com', 'ascii-fqdn'],
  ])('refuses %s (%s)', (input, expectedRule) => expect(rule(parseSipAddress(input))).toBe(expectedRule));

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (input) => {
        const parsed = parseSipAddress(input);
        if (parsed.ok) expect(parsed.value.host).toBe(parsed.value.host.toLowerCase());
      }),
    );
  });
});

describe('parseLineUri', () => {
  it.each([
    ['tel:+14255550100', 'tel:+14255550100'],
    ['TEL:+14255550100;EXT=100', 'tel:+14255550100;ext=100'],
  ])('accepts %s as %s', (input, expected) => expect(value(parseLineUri(input))).toBe(expected));
  it('keeps tel:+X and tel:+X;ext=Y apart', () => {
    expect(value(parseLineUri('tel:+14255550100'))).not.toBe(value(parseLineUri('tel:+14255550100;ext=1')));
  });
  it.each(['+14255550100', 'tel:14255550100', 'tel:+04255550100', 'tel:+1234567890123456', 'tel:+1425;ext=', 'tel:+1425;foo=1'])(
    'refuses %s',
    (input) => expect(parseLineUri(input).ok).toBe(false),
  );
});

describe('parseDisplayNumber', () => {
  it('adds the plus and keeps the digits', () => {
    expect(value(parseDisplayNumber('14255550199'))).toBe('+14255550199');
    expect(value(parseDisplayNumber('+14255550199'))).toBe('+14255550199');
  });
  it.each([
    ['04255550199', 'display-number-leading-zero'],
    ['+04255550199', 'display-number-leading-zero'],
    ['425-555-0199', 'display-number-digits'],
    ['+1 425', 'display-number-digits'],
    ['', 'display-number-digits'],
  ])('refuses %s (%s)', (input, expectedRule) => expect(rule(parseDisplayNumber(input))).toBe(expectedRule));
});

describe('parseE164 and parseSipUri', () => {
  it('accepts E.164 with or without tel:', () => {
    expect(value(parseE164('+14255550123'))).toBe('+14255550123');
    expect(value(parseE164('tel:+14255550123'))).toBe('+14255550123');
    expect(parseE164('14255550123').ok).toBe(false);
  });
  it('accepts a next hop with port and transport, lower-casing the host', () => {
    expect(value(parseSipUri('sip:Edge.Contoso.Local:5061;transport=tls'))).toBe('sip:edge.contoso.local:5061;transport=tls');
    expect(parseSipUri('http://edge.contoso.local').ok).toBe(false);
    expect(parseSipUri('sip:edge.contoso.local:70000').ok).toBe(false);
  });
});
