// `exumctl operator-credential bootstrap`: the first operator credential of a deployment, written
// straight into the table with the caller's AWS credentials (IAM, not a bearer token: there is
// none yet), through the same store code and the same rules as the local service's bootstrap.
// Loaded only by that command: no other command carries the DynamoDB client.
import { ExumError } from '../lib/errors.js';
import { bootstrapOperator, type BootstrapOutcome } from '../lib/management/operator-credentials.js';
import { generateToken } from '../lib/auth/tokens.js';
import { createDynamoClient } from '../lib/store/client.js';
import { ExumStore } from '../lib/store/exum-store.js';
import { CliError, EXIT } from './exit-codes.js';

export interface BootstrapOptions {
  table: string;
  region?: string;
  /** DynamoDB Local's URL, for trying it locally. */
  endpoint?: string;
  replace: boolean;
  name?: string;
}

/** Bootstraps an operator credential with a new token; the token is in the answer and nowhere else. */
export async function bootstrapOperatorInTable(options: BootstrapOptions): Promise<BootstrapOutcome & { token: string }> {
  const client = createDynamoClient({
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.region === undefined ? {} : { region: options.region }),
    requestTimeoutMs: 10_000,
  });
  try {
    const store = new ExumStore(client, options.table);
    const token = generateToken();
    const outcome = await bootstrapOperator({ store, now: () => new Date() }, token, {
      replace: options.replace,
      ...(options.name === undefined ? {} : { name: options.name }),
    });
    return { ...outcome, token };
  } catch (error) {
    if (error instanceof ExumError && error.issues.some((issue) => issue.rule === 'bootstrap-credential-exists')) {
      throw new CliError(`${error.message} (--replace)`, EXIT.refused);
    }
    if (error instanceof ExumError && error.code === 'store-unavailable') {
      throw new CliError(
        `the table ${options.table} did not answer: ${(error.cause as Error | undefined)?.message ?? error.message}`,
        EXIT.unavailable,
      );
    }
    // The store wraps what the SDK threw; its name says what AWS answered.
    const cause = (error instanceof ExumError ? error.cause : error) as Error | undefined;
    const name = cause?.name;
    if (name === 'ResourceNotFoundException') {
      throw new CliError(
        `no table ${options.table}${options.region === undefined ? '' : ` in ${options.region}`}: see the stack's outputs for its name`,
        EXIT.notFound,
      );
    }
    if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException' || name === 'CredentialsProviderError') {
      throw new CliError(`AWS refused the table's use: ${cause?.message ?? ''}`, EXIT.denied);
    }
    throw error;
  } finally {
    client.destroy();
  }
}
