// zod field types shared by the domain objects. Each one validates and normalises, and
// reports the rule it enforces (issue `params.rule`) so a refusal can name field and rule.
import * as z from 'zod';
import {
  parseDisplayNumber,
  parseE164,
  parseFqdn,
  parseLineUri,
  parseSipAddress,
  parseSipUri,
  formatSipAddress,
  type Parsed,
} from './addresses.js';

/** A string field parsed by one of our parsers, which names the rule it enforces. */
export const ruled = <T>(parse: (input: string) => Parsed<T>, description: string, maxLength = 512) =>
  z
    .string()
    .max(maxLength, { error: `must be at most ${maxLength} characters` })
    .transform((input, ctx) => {
      const parsed = parse(input);
      if (parsed.ok) return parsed.value;
      ctx.addIssue({ code: 'custom', message: parsed.message, params: { rule: parsed.rule } });
      return z.NEVER;
    })
    .meta({ description });

export const fqdn = () => ruled(parseFqdn, 'A fully qualified domain name; stored lower-case', 255);
export const sipAddress = () =>
  ruled((input) => {
    const parsed = parseSipAddress(input);
    return parsed.ok ? { ok: true, value: formatSipAddress(parsed.value) } : parsed;
  }, 'A SIP address of record, sip:user@host; the host is stored lower-case');
export const sipUri = () => ruled(parseSipUri, 'A SIP URI, optionally with port and parameters');
export const lineUri = () => ruled(parseLineUri, 'tel:+E164 with an optional ;ext=digits', 64);
export const displayNumber = () => ruled(parseDisplayNumber, 'Digits with an optional leading "+", first digit not 0', 32);
export const e164 = () => ruled(parseE164, 'An E.164 number such as +14255550100', 32);

/** A short name used in ids (sites, tags, providers): letters, digits, `.`, `_`, `-`. */
export const name = (what: string) =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    error: `${what} must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
  });

export const tenantId = () =>
  z.string().regex(/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/, {
    error: 'tenant id must be 3 to 63 lower-case letters, digits or "-"',
  });

export const text = (max: number) => z.string().max(max, { error: `must be at most ${max} characters` });

/** Fields every stored record carries. `version` starts at 1 and grows by one with every write. */
export const recordMeta = {
  version: z.number().int().positive(),
  createdAt: z.string(),
  updatedAt: z.string(),
  modifiedBy: z.object({ credentialId: z.string(), role: z.string() }),
};

export type RecordMeta = {
  version: number;
  createdAt: string;
  updatedAt: string;
  modifiedBy: { credentialId: string; role: string };
};
