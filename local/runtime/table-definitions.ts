import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The key schemas of the stack's tables, for tests that need one table alone (the local runtime creates every
 * table from the synthesized template instead). test/integration/infra checks that these agree with the stack.
 */

/** The subject ledger: pk / sk and the sparse `open-subjects` index. */
export function ledgerTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' },
      { AttributeName: 'gsi1sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'open-subjects',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/** The training state table (capacity queue, callback tokens): pk / sk. */
export function trainingStateTableDefinition(tableName: string): CreateTableCommandInput {
  return keyValueTable(tableName, 'pk', 'sk');
}

/** The model registry: subjectKey (`<tenantId>#<subjectId>`) / modelVersion. */
export function modelRegistryTableDefinition(tableName: string): CreateTableCommandInput {
  return keyValueTable(tableName, 'subjectKey', 'modelVersion');
}

function keyValueTable(tableName: string, partitionKey: string, sortKey: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
  };
}

/** The webhooks table (endpoints, default secret, attempts per tenant): pk / sk. */
export function webhooksTableDefinition(tableName: string): CreateTableCommandInput {
  return keyValueTable(tableName, 'pk', 'sk');
}

/** The API clients table (tenant rows, hashed client keys): pk / sk. */
export function apiClientsTableDefinition(tableName: string): CreateTableCommandInput {
  return keyValueTable(tableName, 'pk', 'sk');
}
