import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
// dynalite has no type declarations; it is a DynamoDB-compatible server in pure JavaScript.
// @ts-expect-error untyped module
import dynalite from 'dynalite';
import { SubjectLedger } from '../../functions/ingest/subject-ledger.js';
import { ledgerTableDefinition } from './ledger-table.js';

export interface LocalLedger {
  ledger: SubjectLedger;
  db: DynamoDBDocumentClient;
  close(): Promise<void>;
}

/**
 * The subject ledger on dynalite, on a loopback port: real DynamoDB request validation and conditional
 * writes, so the exactly-once sealing logic runs locally exactly as it does against DynamoDB.
 * In memory unless `path` is given.
 */
export async function startLocalLedger(
  options: { path?: string; tableName?: string } = {},
): Promise<LocalLedger> {
  const tableName = options.tableName ?? 'subject-ledger';
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: options.path });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'local',
    // dynalite checks that a signature is present, not who signed it.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await client.send(new CreateTableCommand(ledgerTableDefinition(tableName)));
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    ledger: new SubjectLedger(db, tableName),
    db,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
