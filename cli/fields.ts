// Options that set fields of an API object: declared once per object type, they give both the
// `new` and the `set` command their flags, and turn the flags given into the request body.
import { Option, type Command } from 'commander';
import { CLEAR } from './values.js';

export interface FieldOption {
  /** Commander flags, e.g. "--proxy-fqdn <fqdn>". */
  flags: string;
  /** The API field it sets, dotted for nested ones ("onPremisesUm.enabled"). */
  field: string;
  description: string;
  /** A method, so parsers of repeatable options (previous: string[] | undefined) fit too. */
  parse?(value: string, previous: unknown): unknown;
}

export function addFieldOptions(command: Command, fields: readonly FieldOption[]): Command {
  for (const field of fields) {
    const option = new Option(field.flags, field.description);
    if (field.parse !== undefined) option.argParser((value: string, previous: unknown) => field.parse!(value, previous));
    command.addOption(option);
  }
  return command;
}

/** The values Commander parsed for field options, by attribute name (--line-uri: lineUri). */
export type FieldValues = Record<string, unknown>;

/** The body holding the fields whose flags were given (nested objects built from dotted names). */
export function bodyFromOptions(options: FieldValues, fields: readonly FieldOption[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    const value = options[new Option(field.flags).attributeName()];
    if (value === undefined) continue;
    const path = field.field.split('.');
    let target = body;
    for (const part of path.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
    target[path.at(-1)!] = value === CLEAR ? null : value;
  }
  return body;
}
