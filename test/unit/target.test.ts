import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../lib/routing/target.js';

const parsed = (input: string) => {
  const result = parseTarget(input);
  return result.ok ? result.value : { error: result.rule };
};

describe('parseTarget', () => {
  it.each([
    ['sip:alice@contoso.com', 'sip:alice@contoso.com'],
    ['sip:alice@contoso.com;opaque=app:voicemail', 'sip:alice@contoso.com'],
    ['SIP:alice@CONTOSO.COM:5061;transport=tls?Subject=hi', 'sip:alice@contoso.com'],
    ['sips:alice@contoso.com', 'sip:alice@contoso.com'],
    ['sip:alice:secret@contoso.com', 'sip:alice@contoso.com'],
    ['sip:%61lice@contoso.com', 'sip:alice@contoso.com'],
    ['sip:Alice@contoso.com', 'sip:Alice@contoso.com'],
  ])('%s is the address of record %s', (input, aor) => {
    expect(parsed(input)).toMatchObject({ kind: 'sip', addressOfRecord: aor });
  });

  it.each([
    ['+14255550100', 'tel:+14255550100'],
    ['tel:+14255550100', 'tel:+14255550100'],
    ['TEL:+1-425-555-0100', 'tel:+14255550100'],
    ['tel:+1(425)555.0100;ext=100', 'tel:+14255550100;ext=100'],
    ['tel:+14255550100;EXT=100;isub=1', 'tel:+14255550100;ext=100'],
    ['sip:+14255550100@contoso.com;user=phone', 'tel:+14255550100'],
    ['sip:+14255550100;ext=7@gw.contoso.com;user=phone', 'tel:+14255550100;ext=7'],
  ])('%s is the number %s', (input, lineUri) => {
    expect(parsed(input)).toEqual({ kind: 'number', lineUri });
  });

  it('keeps tel:+X and tel:+X;ext=Y apart', () => {
    expect(parsed('tel:+14255550100')).not.toEqual(parsed('tel:+14255550100;ext=1'));
  });

  it.each([
    ['sip:[2001:db8::1]', 'sip-user'],
    ['alice@contoso.com', 'target-form'],
    ['http://contoso.com', 'target-form'],
    ['sip:contoso.com', 'sip-user'],
    ['sip:@contoso.com', 'sip-user'],
    ['sip:alice@', 'sip-host'],
    ['sip:alice@contoso.com:99999999', 'sip-host'],
    ['sip:alice@[2001:db8::1', 'sip-host'],
    ['sip:al ice@contoso.com', 'ascii'],
    ['sip:alice@cоntoso.com', 'ascii'],
    ['sip:alice@contoso', 'fqdn'],
    ['14255550100', 'target-form'],
    ['tel:4255550100', 'e164'],
    ['tel:+04255550100', 'e164'],
    ['tel:+1425555010012345', 'e164'],
    ['tel:+14255550100;ext=12a', 'extension'],
    ['tel:+1425;ext=1;ext=2', 'extension'],
    ['sip:5550100@contoso.com;user=phone', 'e164'],
    ['', 'target-form'],
    ['x'.repeat(10_000), 'max-length'],
  ])('refuses %s (%s)', (input, rule) => {
    expect(parsed(input)).toEqual({ error: rule });
  });

  it('takes IP hosts as SIP targets (they will match no tenant domain)', () => {
    expect(parsed('sip:alice@[2001:DB8::1]:5061')).toMatchObject({ kind: 'sip', host: '[2001:db8::1]', hostIsIp: true });
    expect(parsed('sip:alice@10.0.0.1')).toMatchObject({ kind: 'sip', host: '10.0.0.1', hostIsIp: true });
  });

  it('never throws, and what it accepts is normalised (property)', () => {
    const sipish = fc
      .tuple(
        fc.constantFrom('sip:', 'sips:', 'SIP:', 'tel:', '+', ''),
        fc.string({ maxLength: 40, unit: fc.constantFrom(...'aZ09+-.;=@:%[]()?&_~!*'.split('')) }),
      )
      .map(([scheme, rest]) => scheme + rest);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 50 }), sipish), (input) => {
        const result = parseTarget(input);
        if (!result.ok) return;
        if (result.value.kind === 'sip') {
          expect(result.value.addressOfRecord).toMatch(/^sip:[^@]+@/);
          expect(result.value.host).toBe(result.value.host.toLowerCase());
        } else {
          expect(result.value.lineUri).toMatch(/^tel:\+[1-9][0-9]{0,14}(;ext=[0-9]{1,15})?$/);
        }
        // Normalisation is stable: parsing the normal form gives the same target.
        const again = parseTarget(result.value.kind === 'sip' ? result.value.addressOfRecord : result.value.lineUri);
        expect(again.ok && again.value).toMatchObject(
          result.value.kind === 'sip' ? { addressOfRecord: result.value.addressOfRecord } : { lineUri: result.value.lineUri },
        );
      }),
      { numRuns: 2000 },
    );
  });
});
