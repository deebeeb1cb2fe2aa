// Parsers for option values, in the words a Lync administrator types: $true/$false/$null as
// well as true/false/null, repeatable or comma-separated lists, UM servers in one word.
import { InvalidArgumentError } from 'commander';

const TRUE = new Set(['true', '$true', 'yes', 'on', '1']);
const FALSE = new Set(['false', '$false', 'no', 'off', '0']);
const NULL = new Set(['null', '$null', 'none', '']);

export function parseBool(value: string): boolean {
  const word = value.trim().toLowerCase();
  if (TRUE.has(word)) return true;
  if (FALSE.has(word)) return false;
  throw new InvalidArgumentError('must be true or false ($true/$false, yes/no, 1/0)');
}

/**
 * "Clear this field": what null/$null/none/"" parse to. Commander turns a parser's null into "",
 * so the parsers answer this marker and bodyFromOptions (cli/fields.ts) sends it as null.
 */
export const CLEAR = Symbol('null');

/** true, false, or null to clear (Set-CsUser -HostedVoiceMail $null). */
export function parseTristate(value: string): boolean | typeof CLEAR {
  return NULL.has(value.trim().toLowerCase()) ? CLEAR : parseBool(value);
}

/** A value, or null (clears the field) for null/$null/none/"". */
export const nullable = (value: string): string | typeof CLEAR => (NULL.has(value.trim().toLowerCase()) ? CLEAR : value);

/** Repeatable, and each occurrence may hold a comma-separated list. */
export const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== ''),
];

export function parsePositiveInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return number;
}

export interface UmServerInput {
  fqdn: string;
  port?: number;
  transport?: string;
  exchangeVersion: number;
}

/** A UM server as FQDN[:PORT][/TRANSPORT]@VERSION, e.g. um01.contoso.com:5061/tls@15. */
export function parseUmServer(value: string): UmServerInput {
  const match = /^([^:/@\s]+)(?::(\d{1,5}))?(?:\/(tls|tcp|udp))?@(\d{1,2})$/i.exec(value.trim());
  if (match === null) throw new InvalidArgumentError('must be FQDN[:PORT][/TRANSPORT]@VERSION, e.g. um01.contoso.com:5061/tls@15');
  const [, fqdn, port, transport, version] = match;
  return {
    fqdn: fqdn!,
    ...(port === undefined ? {} : { port: Number(port) }),
    ...(transport === undefined ? {} : { transport: transport.toLowerCase() }),
    exchangeVersion: Number(version),
  };
}

export const formatUmServer = (server: { fqdn: string; port: number; transport: string; exchangeVersion: number }): string =>
  `${server.fqdn}:${server.port}/${server.transport}@${server.exchangeVersion}`;

export const collectUmServers = (value: string, previous: UmServerInput[] | undefined): UmServerInput[] => [
  ...(previous ?? []),
  ...value
    .split(',')
    .filter((part) => part.trim() !== '')
    .map(parseUmServer),
];
