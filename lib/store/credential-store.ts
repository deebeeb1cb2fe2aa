// Credentials in the table: each one twice, by the hash of its token (what authentication reads;
// deleted on revocation, so a revoked token fails at once) and by id under its tenant (for
// listing and revocation, kept after revocation for the record).
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { duplicate, ExumError, refused } from '../errors.js';
import { CredentialRecordSchema, type CredentialRecord } from '../domain/credential.js';
import type { Writer } from './changes.js';
import { fromItem, toItem, toKey } from './items.js';
import { keys } from './keys.js';
import { absentCondition, stale, type GuardedWrite, type Page, type TableClient } from './table-client.js';

export class CredentialStore {
  constructor(private readonly table: TableClient) {}

  /** Stores a new credential; a provider credential requires its provider to exist. */
  async create(record: CredentialRecord): Promise<void> {
    const writes: GuardedWrite[] = [
      {
        write: this.table.put(toItem(keys.credential(record.tokenHash), 'credential', record), absentCondition),
        onConditionFailed: () => new ExumError('internal', 'token hash collision'),
      },
      {
        write: this.table.put(toItem(keys.credentialRecord(record.tenantId, record.id), 'credential-record', record), absentCondition),
        onConditionFailed: () => duplicate('id', record.id, 'unique-credential-id'),
      },
    ];
    if (record.providerId !== null && record.tenantId !== null) {
      writes.push({
        write: {
          ConditionCheck: {
            TableName: this.table.tableName,
            Key: toKey(keys.provider(record.tenantId, record.providerId)),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        onConditionFailed: () => refused('providerId', 'provider-exists', `hosting provider ${record.providerId} does not exist`),
      });
    }
    await this.table.transact(writes);
  }

  /** Installs (or replaces) an operator credential whose token is given, e.g. from the environment. */
  async putOperator(record: CredentialRecord): Promise<void> {
    await this.table.call((client) =>
      client.send(
        new PutItemCommand({ TableName: this.table.tableName, Item: toItem(keys.credential(record.tokenHash), 'credential', record) }),
      ),
    );
  }

  async getByTokenHash(tokenHash: string): Promise<CredentialRecord | undefined> {
    const item = await this.table.getItem(keys.credential(tokenHash), false);
    return item === undefined ? undefined : fromItem(CredentialRecordSchema, item);
  }

  /** A credential's record by id; tenantId null for operators. */
  async get(tenantId: string | null, id: string): Promise<CredentialRecord | undefined> {
    const item = await this.table.getItem(keys.credentialRecord(tenantId, id), true);
    return item === undefined ? undefined : fromItem(CredentialRecordSchema, item);
  }

  async list(tenantId: string, cursor: string | null, limit: number): Promise<Page<CredentialRecord>> {
    const partition = keys.credentialRecord(tenantId, '').pk;
    return this.table.queryPages(
      { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: marshall({ ':pk': partition }), ConsistentRead: true },
      { cursor, limit, cursorPartition: { attribute: 'pk', value: partition } },
      (item) => fromItem(CredentialRecordSchema, item),
    );
  }

  /** Revocation deletes the token's lookup item (authentication fails at once) and keeps the record. */
  async revoke(record: CredentialRecord, revokedAt: string, revokedBy: Writer): Promise<void> {
    await this.table.transact([
      {
        write: { Delete: { TableName: this.table.tableName, Key: toKey(keys.credential(record.tokenHash)) } },
        onConditionFailed: stale('credential'),
      },
      {
        write: {
          Update: {
            TableName: this.table.tableName,
            Key: toKey(keys.credentialRecord(record.tenantId, record.id)),
            UpdateExpression: 'SET revokedAt = :now, revokedBy = :by',
            ConditionExpression: 'attribute_exists(pk) AND revokedAt = :null',
            ExpressionAttributeValues: marshall({ ':now': revokedAt, ':by': revokedBy, ':null': null }),
          },
        },
        onConditionFailed: stale('credential'),
      },
    ]);
  }
}
