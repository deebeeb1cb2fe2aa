// Credentials in the table: each one twice, by the hash of its token (what authentication reads;
// deleted on revocation, so a revoked token fails at once) and by id under its tenant (for
// listing and revocation, kept after revocation for the record).
import { DeleteItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
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

  /**
   * Operator lookup items with no record: tokens installed before operator credentials had records
   * (the local service's `cred_operator_local`, a lookup item put in the table by hand in AWS).
   * Nothing lists or revokes them, so the bootstrap removes them, when it finds no operator record
   * (once per table). A scan of the table.
   */
  async removeUnrecordedOperatorLookups(): Promise<number> {
    let removed = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.table.call((client) =>
        client.send(
          new ScanCommand({
            TableName: this.table.tableName,
            FilterExpression: 'begins_with(pk, :prefix) AND #role = :operator',
            ExpressionAttributeNames: { '#role': 'role' },
            ExpressionAttributeValues: marshall({ ':prefix': keys.credential('').pk, ':operator': 'operator' }),
            ConsistentRead: true,
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const id = item.id?.S ?? '';
        if (id !== '' && (await this.get(null, id)) !== undefined) continue;
        await this.table.call((client) =>
          client.send(new DeleteItemCommand({ TableName: this.table.tableName, Key: { pk: item.pk!, sk: item.sk! } })),
        );
        removed++;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return removed;
  }

  async getByTokenHash(tokenHash: string): Promise<CredentialRecord | undefined> {
    // Strongly consistent: a revocation just written is seen by the next check, so the revocation
    // bound is the caches' alone (docs/reliability.md, "Revocation").
    const item = await this.table.getItem(keys.credential(tokenHash), true);
    return item === undefined ? undefined : fromItem(CredentialRecordSchema, item);
  }

  /** A credential's record by id; tenantId null for operators. */
  async get(tenantId: string | null, id: string): Promise<CredentialRecord | undefined> {
    const item = await this.table.getItem(keys.credentialRecord(tenantId, id), true);
    return item === undefined ? undefined : fromItem(CredentialRecordSchema, item);
  }

  /** A tenant's credentials, or with tenantId null the operators'. */
  async list(tenantId: string | null, cursor: string | null, limit: number): Promise<Page<CredentialRecord>> {
    const partition = keys.credentialRecord(tenantId, '').pk;
    return this.table.queryPages(
      { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: marshall({ ':pk': partition }), ConsistentRead: true },
      { cursor, limit, cursorPartition: { attribute: 'pk', value: partition } },
      (item) => fromItem(CredentialRecordSchema, item),
    );
  }

  /**
   * Revocation deletes the token's lookup item (authentication fails at once) and keeps the
   * record. With `whileActive`, only while that other credential's record is still unrevoked (in
   * the same transaction): two operators revoking each other's last two credentials cannot both
   * succeed (the loser reads again and decides again).
   */
  async revoke(record: CredentialRecord, revokedAt: string, revokedBy: Writer, whileActive?: CredentialRecord): Promise<void> {
    const writes: GuardedWrite[] = [
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
    ];
    if (whileActive !== undefined) {
      writes.push({
        write: {
          ConditionCheck: {
            TableName: this.table.tableName,
            Key: toKey(keys.credentialRecord(whileActive.tenantId, whileActive.id)),
            ConditionExpression: 'attribute_exists(pk) AND revokedAt = :null',
            ExpressionAttributeValues: marshall({ ':null': null }),
          },
        },
        onConditionFailed: stale('credential'),
      });
    }
    await this.table.transact(writes);
  }
}
