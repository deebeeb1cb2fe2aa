// exumctl's exit codes: what a script can rely on. Documented in docs/exumctl.md; keep both in step.
import type { Problem } from '../lib/api/problem.js';

export const EXIT = {
  ok: 0,
  /** Anything not classified below: a server fault (500), a bug. */
  failed: 1,
  /** The command line is wrong: unknown command or option, a bad value, no tenant, an unreadable file. */
  usage: 2,
  /** The service refused the request: invalid input or a configuration rule (400, 409, 412, 413, 415). */
  refused: 3,
  /** The object does not exist (404). */
  notFound: 4,
  /** No valid credential, or its role may not do this (401, 403). */
  denied: 5,
  /** The service is unavailable or unreachable (503, connection refused, timeout, TLS failure). */
  unavailable: 6,
  /** Done in part: some rows of an import or objects of an apply failed; the others were written. */
  partial: 7,
  /** test-voicemail: the call would be rejected (the answer is printed as for any other decision). */
  rejected: 8,
  /** Stopped by Ctrl-C (SIGINT); an import can be resumed. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an HTTP error answer. */
export function exitCodeOfStatus(status: number): ExitCode {
  if (status === 404) return EXIT.notFound;
  if (status === 401 || status === 403) return EXIT.denied;
  if (status === 503 || status === 502 || status === 504) return EXIT.unavailable;
  if (status >= 400 && status < 500) return EXIT.refused;
  return EXIT.failed;
}

/** A failure that ends the command with a given exit code and message. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** The service's problem answer, when the failure is one. */
    readonly problem?: Problem,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);
