// The store's invariants, checked over everything a tenant holds (a consistent Scan), for the
// tests that storm, fault or crash it: every user and contact has the number copy its line URI
// calls for and no other, no number has two owners, grant counters count the grants there are,
// the tenant summary's counters count the users and contacts by route there are.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BUCKETS, CountedPrincipalSchema, tally } from '../../lib/domain/tenant-summary.js';
import { scanTable, type TableItem } from './table-scan.js';

const tenantItems = async (client: DynamoDBClient, tableName: string, tenantId: string): Promise<TableItem[]> =>
  (await scanTable(client, tableName)).filter((item) => String(item.pk).startsWith(`T#${tenantId}#`));

/** What is wrong with a tenant's users and contacts, in words; empty when everything holds. */
export async function storeViolations(client: DynamoDBClient, tableName: string, tenantId: string): Promise<string[]> {
  const items = await tenantItems(client, tableName, tenantId);
  const principals = items.filter((item) => item.entity === 'user' || item.entity === 'contact');
  const numbers = new Map(
    items.filter((item) => item.entity === 'number').map((item) => [String(item.pk).slice(`T#${tenantId}#NUM#`.length), item]),
  );
  const grantCounts = new Map(
    items.filter((item) => item.entity === 'grant-count').map((item) => [String(item.sk), Number(item.grants ?? 0)]),
  );
  const violations: string[] = [];

  const owners = new Map<string, string[]>();
  for (const principal of principals) {
    if (principal.pk !== `T#${tenantId}#ADDR#${principal.sipUri}`) violations.push(`${principal.sipUri} is stored under ${principal.pk}`);
    if (principal.lineUri === null) continue;
    owners.set(principal.lineUri, [...(owners.get(principal.lineUri) ?? []), principal.sipUri]);
    const copy = numbers.get(principal.lineUri);
    if (copy === undefined) violations.push(`${principal.sipUri} has line URI ${principal.lineUri} but no number copy`);
    else if (copy.sipUri !== principal.sipUri || copy.version !== principal.version) {
      violations.push(
        `the number copy of ${principal.lineUri} is ${copy.sipUri} v${copy.version}, not ${principal.sipUri} v${principal.version}`,
      );
    }
  }
  for (const [lineUri, sipUris] of owners) if (sipUris.length > 1) violations.push(`${lineUri} belongs to ${sipUris.join(' and ')}`);
  for (const [lineUri, copy] of numbers) {
    if (!owners.get(lineUri)?.includes(copy.sipUri))
      violations.push(`the number copy of ${lineUri} names ${copy.sipUri}, whose record does not have it`);
  }

  const granted = new Map<string, number>();
  for (const principal of principals)
    if (principal.hostedVoicemailPolicy !== null)
      granted.set(principal.hostedVoicemailPolicy, (granted.get(principal.hostedVoicemailPolicy) ?? 0) + 1);
  for (const tag of new Set([...granted.keys(), ...grantCounts.keys()])) {
    if ((granted.get(tag) ?? 0) !== (grantCounts.get(tag) ?? 0))
      violations.push(`tag ${tag} is granted ${granted.get(tag) ?? 0} times but counted ${grantCounts.get(tag) ?? 0}`);
  }

  // Summary counters (shards and the recount's baseline) hold `c_<kind>:<route>` sums.
  const counted = tally(principals.map((principal) => CountedPrincipalSchema.parse(principal)));
  const counters = items.filter((item) => item.entity === 'summary-counter');
  for (const bucket of BUCKETS) {
    const kept = counters.reduce((sum, item) => sum + Number(item[`c_${bucket}`] ?? 0), 0);
    if (kept !== counted[bucket]) violations.push(`the summary counts ${kept} ${bucket}, the table holds ${counted[bucket]}`);
  }
  return violations;
}
