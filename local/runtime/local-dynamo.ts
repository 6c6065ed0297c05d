import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
// dynalite has no type declarations; it is a DynamoDB-compatible server in pure JavaScript.
// @ts-expect-error untyped module
import dynalite from 'dynalite';
import type { Template } from './template-tokens.js';

export interface LocalDynamo {
  db: DynamoDBDocumentClient;
  close(): Promise<void>;
}

export interface LocalDynamoOptions {
  /** Keeps the tables in this folder (LevelDB) across runs; tables that exist there already are kept as they are. */
  path?: string;
}

/**
 * DynamoDB on this machine: dynalite on a loopback port, in memory or (with `path`) on disk, with real request
 * validation and conditional writes, so the ledger's and the training queue's exactly-once logic runs as against
 * DynamoDB.
 */
export async function startLocalDynamo(
  tables: CreateTableCommandInput[],
  options: LocalDynamoOptions = {},
): Promise<LocalDynamo> {
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'local',
    // dynalite checks that a signature is present, not who signed it.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  for (const table of tables) {
    try {
      await client.send(new CreateTableCommand(table));
    } catch (error) {
      // Reopened from disk: the table and its items are already there.
      if (!(options.path && error instanceof ResourceInUseException)) throw error;
    }
  }
  // dynalite answers CreateTable while the table is still CREATING and flips it to ACTIVE on a later tick; a write
  // that arrives first is refused with ResourceNotFoundException, so the first request of a busy machine could fail.
  await Promise.all(tables.map((table) => untilActive(client, table.TableName as string)));
  return {
    db: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const ACTIVE_POLL_MS = 2;
const ACTIVE_TIMEOUT_MS = 10_000;

async function untilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === 'ACTIVE',
    );
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    if (Date.now() > deadline) {
      throw new Error(
        `Local DynamoDB table ${tableName} is still ${Table?.TableStatus} after ${ACTIVE_TIMEOUT_MS} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, ACTIVE_POLL_MS));
  }
}

/**
 * Every table of the synthesized stack, named by its logical id (what a `Ref` to it resolves to locally),
 * with the key schema and indexes the stack declares.
 */
export function tablesFromTemplate(template: Template): CreateTableCommandInput[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::DynamoDB::Table')
    .map(([logicalId, resource]) => {
      const props = resource.Properties as Pick<
        CreateTableCommandInput,
        'KeySchema' | 'AttributeDefinitions' | 'GlobalSecondaryIndexes'
      >;
      return {
        TableName: logicalId,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: props.KeySchema,
        AttributeDefinitions: props.AttributeDefinitions,
        ...(props.GlobalSecondaryIndexes
          ? {
              GlobalSecondaryIndexes: props.GlobalSecondaryIndexes.map((index) => ({
                IndexName: index.IndexName,
                KeySchema: index.KeySchema,
                Projection: index.Projection,
              })),
            }
          : {}),
      };
    });
}
