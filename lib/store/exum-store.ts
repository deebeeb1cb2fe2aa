// The store as the service builds it: one TableClient over the table and, over it, a store for
// each kind of record. lib/store/ is the one module that talks to DynamoDB: keys, item shapes,
// conditional writes, transactions and the translation of SDK errors stay inside it. Callers
// speak in domain records; every write is conditional on the version the caller read, and
// uniqueness is enforced by claim items written in the same transaction (never by read-then-write).
//
// Migrations (MigrationStore) and the event pipelines' records (EventStore) have stores of their
// own over the same TableClient, built by the wiring that uses them: the resolve function's
// bundle builds this class and must not carry them.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigurationStore } from './configuration-store.js';
import { CredentialStore } from './credential-store.js';
import { PrincipalStore } from './principal-store.js';
import { SummaryStore } from './summary-store.js';
import { TableClient } from './table-client.js';
import { TenantStore } from './tenant-store.js';

export class ExumStore {
  readonly table: TableClient;
  readonly tenants: TenantStore;
  /** A tenant's routing configuration: edge, hosting providers, policies, dial plans, rerouting. */
  readonly configuration: ConfigurationStore;
  /** Users and contacts. */
  readonly principals: PrincipalStore;
  readonly credentials: CredentialStore;
  /** The tenant summary's counters, and the counts of migrations and dead letters beside them. */
  readonly summary: SummaryStore;

  constructor(client: DynamoDBClient, tableName: string) {
    this.table = new TableClient(client, tableName);
    this.tenants = new TenantStore(this.table);
    this.configuration = new ConfigurationStore(this.table);
    this.principals = new PrincipalStore(this.table);
    this.credentials = new CredentialStore(this.table);
    this.summary = new SummaryStore(this.table);
  }
}
