// Readiness: does the table answer a read in time? What GET /readyz asks (lib/api/health-routes.ts)
// for load balancers, DNS health checks and gateways.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { storeUnavailable } from '../errors.js';
import { toKey } from './items.js';
import type { Key } from './keys.js';
import type { TableClient } from './table-client.js';

/**
 * The one partition the readiness read asks for. No record is ever written under it, so the read
 * answers empty: it costs one eventually consistent read, reads nothing and reveals nothing. The
 * health function's role may read this partition and no other (cdk/exum-function.ts).
 */
export const READINESS_PROBE_PARTITION = 'HEALTH#READINESS';
const READINESS_PROBE_KEY: Key = { pk: READINESS_PROBE_PARTITION, sk: 'PROBE' };

/**
 * Resolves when the table answered the readiness read within `withinMs`, whatever the client's
 * own retries and timeouts (the deadline ends them); throws store-unavailable otherwise. Any
 * failure counts (throttling, timeout, a missing table or permission): the service is not ready.
 */
export async function tableAnswers(table: Pick<TableClient, 'client' | 'tableName'>, withinMs: number): Promise<void> {
  try {
    await table.client.send(new GetItemCommand({ TableName: table.tableName, Key: toKey(READINESS_PROBE_KEY) }), {
      abortSignal: AbortSignal.timeout(withinMs),
    });
  } catch (error) {
    throw storeUnavailable(error);
  }
}
