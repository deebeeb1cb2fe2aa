// The service's logs: one Powertools Logger per process (one JSON line per event), and what such
// a line says about an error: our code, the underlying error's name and message, never the SDK's
// metadata. The level is configuration (LOG_LEVEL, parsed by functions/ and bin/), passed in.
import { Logger } from '@aws-lambda-powertools/logger';
import { ExumError } from './errors.js';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function createLogger(serviceName: string, logLevel: LogLevel = 'INFO'): Logger {
  return new Logger({ serviceName, logLevel });
}

/** A LOG_LEVEL value (any case) as a level: unset gives the fallback, anything else is refused. */
export function parseLogLevel(value: string | undefined, fallback: LogLevel): LogLevel {
  if (value === undefined || value === '') return fallback;
  const level = LOG_LEVELS.find((candidate) => candidate === value.toUpperCase());
  if (level === undefined) throw new Error(`invalid LOG_LEVEL ${value}: one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

/** Long enough for any DynamoDB or Node message; a line stays well under a kilobyte. */
const MAX_MESSAGE = 300;
/** Frames of the stack kept for internal errors: where the bug is, not the whole framework. */
const MAX_FRAMES = 6;

export interface LoggedError {
  /** Our ExumError code, or (for any other error) its name: SDK errors are named for DynamoDB's code. */
  code: string;
  error: { name: string; message: string; errno?: string; stack?: string };
}

const clip = (text: string) => (text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text);

/** Internal errors are bugs; an AWS service's answer or a network failure is not, whatever threw it. */
function isBug(error: unknown, underlying: unknown): boolean {
  if (error instanceof ExumError) return error.code === 'internal';
  const { $metadata, code } = (underlying ?? {}) as { $metadata?: unknown; code?: unknown };
  return $metadata === undefined && typeof code !== 'string';
}

/**
 * An error as one log line holds it. For an ExumError the name and message are its cause's (the
 * SDK's ThrottlingException, a TimeoutError), which is what an operator acts on; only an internal
 * error, a bug, carries a few frames of its stack.
 */
export function loggedError(thrown: unknown): LoggedError {
  // Wrappers (Powertools idempotency's, for one) carry our error as their cause.
  const wrapped = (thrown as { cause?: unknown } | null | undefined)?.cause;
  const error = !(thrown instanceof ExumError) && wrapped instanceof ExumError ? wrapped : thrown;
  const code = error instanceof ExumError ? error.code : error instanceof Error ? error.name : 'internal';
  let underlying = error;
  while (underlying instanceof ExumError && underlying.cause !== undefined) underlying = underlying.cause;
  const {
    name,
    message,
    stack,
    code: errno,
  } = (underlying ?? {}) as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown };
  return {
    code,
    error: {
      name: typeof name === 'string' ? name : typeof underlying,
      message: clip(typeof message === 'string' ? message : String(underlying)),
      // Node's network errors (ECONNRESET, ECONNREFUSED) say what happened in their code.
      ...(typeof errno === 'string' && errno !== name ? { errno } : {}),
      ...(isBug(error, underlying) && typeof stack === 'string'
        ? {
            stack: stack
              .split('\n')
              .slice(1, MAX_FRAMES + 1)
              .join('\n'),
          }
        : {}),
    },
  };
}
