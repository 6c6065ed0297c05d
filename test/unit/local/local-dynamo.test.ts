import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalDynamo } from '../../../local/runtime/local-dynamo.js';
import {
  ledgerTableDefinition,
  trainingStateTableDefinition,
} from '../../../local/runtime/table-definitions.js';

describe('startLocalDynamo', () => {
  it('returns only when every table and index is ACTIVE, so the first write is never refused as ResourceNotFound', async () => {
    // Prepare
    const tables = [ledgerTableDefinition('ledger'), trainingStateTableDefinition('training-state')];
    // Act
    const dynamo = await startLocalDynamo(tables);
    try {
      const described = await Promise.all(
        tables.map((table) => dynamo.db.send(new DescribeTableCommand({ TableName: table.TableName }))),
      );
      await dynamo.db.send(new PutCommand({ TableName: 'training-state', Item: { pk: 'a', sk: 'b' } }));
      // Assess
      for (const { Table } of described) {
        expect(Table?.TableStatus).toBe('ACTIVE');
        for (const index of Table?.GlobalSecondaryIndexes ?? []) expect(index.IndexStatus).toBe('ACTIVE');
      }
    } finally {
      await dynamo.close();
    }
  });
});
