import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ClientKeyItem, ClientKeys } from '../../functions/api/credentials.js';

/**
 * Keys added while `npm run api` holds the data folder: dynalite's files belong to that process, so
 * `npm run tenant -- add` appends the new key's row (its hash, never the key) here, and the server imports the file
 * before it answers 401 to a key it does not know.
 */
export const clientInboxOf = (stateDir: string) => join(stateDir, 'api-clients.jsonl');

export function appendToInbox(inbox: string, item: ClientKeyItem): void {
  appendFileSync(inbox, `${JSON.stringify(item)}\n`, { mode: 0o600 });
}

export async function importInbox(inbox: string, db: DynamoDBDocumentClient, table: string): Promise<number> {
  if (!existsSync(inbox)) return 0;
  const keys = new ClientKeys(db, table);
  const lines = readFileSync(inbox, 'utf8').split('\n').filter(Boolean);
  for (const line of lines) await keys.store(JSON.parse(line) as ClientKeyItem);
  return lines.length;
}
