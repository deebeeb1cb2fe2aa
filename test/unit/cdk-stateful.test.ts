import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { StatefulStack } from '../../cdk/stateful-stack.js';
import { createTableInput } from '../../lib/store/table.js';
import type { ParsedJson } from '../support/json.js';

const outdir = mkdtempSync(join(tmpdir(), 'cdk-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('stateful stack', () => {
  const template = Template.fromStack(new StatefulStack(new App({ outdir }), 'Test'));
  const table = Object.values(template.findResources('AWS::DynamoDB::GlobalTable'))[0] as {
    Properties: ParsedJson;
    DeletionPolicy: string;
  };

  it('deploys the table the tests create: same keys, index and stream', () => {
    const local = createTableInput('t');
    expect(table.Properties.KeySchema).toEqual(local.KeySchema);
    expect(table.Properties.GlobalSecondaryIndexes.map((index: ParsedJson) => [index.IndexName, index.KeySchema])).toEqual(
      local.GlobalSecondaryIndexes!.map((index) => [index.IndexName, index.KeySchema]),
    );
    expect(table.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(local.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('protects the data: PITR, deletion protection, retained on stack deletion', () => {
    expect(table.Properties.Replicas[0]).toMatchObject({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table.DeletionPolicy).toBe('Retain');
  });
});
