// What the tenant summary should count, from a consistent Scan of the table: each user and contact
// judged by the domain's rule, tallied one by one. The tests compare the counters with it.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CountedPrincipalSchema, emptyCounts, summarize, tally, type TenantSummary } from '../../lib/domain/tenant-summary.js';
import { scanTable } from './table-scan.js';

/** The users and contacts of the summary, as a consistent Scan counts them. */
export async function scannedCounts(
  client: DynamoDBClient,
  tableName: string,
  tenantId: string,
): Promise<Pick<TenantSummary, 'mode' | 'users' | 'contacts'>> {
  const principals = (await scanTable(client, tableName)).filter(
    (item) => String(item.pk).startsWith(`T#${tenantId}#ADDR#`) && (item.entity === 'user' || item.entity === 'contact'),
  );
  const counts = tally(
    principals.map((item) => CountedPrincipalSchema.parse(item)),
    emptyCounts(),
  );
  const { mode, users, contacts } = summarize(
    tenantId,
    counts,
    { running: 0, completed: 0, cancelled: 0 },
    { waiting: 0, capped: false },
    null,
    '',
  );
  return { mode, users, contacts };
}
