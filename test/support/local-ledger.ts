import { SubjectLedger } from '../../functions/ingest/subject-ledger.js';
import { startLocalDynamo } from '../../local/runtime/local-dynamo.js';
import { ledgerTableDefinition } from '../../local/runtime/table-definitions.js';

export interface LocalLedger {
  ledger: SubjectLedger;
  close(): Promise<void>;
}

/** The subject ledger alone on dynalite, for tests of the ingest logic. */
export async function startLocalLedger(options: { tableName?: string } = {}): Promise<LocalLedger> {
  const tableName = options.tableName ?? 'subject-ledger';
  const dynamo = await startLocalDynamo([ledgerTableDefinition(tableName)]);
  return { ledger: new SubjectLedger(dynamo.db, tableName), close: dynamo.close };
}
