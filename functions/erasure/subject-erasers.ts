import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  paginateScan,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { DEFAULT_TENANT_ID, type SubjectRef } from '../../events/identifiers.js';
import { registrySubjectKey } from '../deployment/model-registry.js';
import { isExecutionOfSubject } from '../ingest/image-set.js';
import { queryAllItems } from '../platform/query-all-items.js';

/**
 * One store of subject-scoped rows, as erasure sees it: delete every row of the subject, and count what is left.
 * Every store that holds something of a subject is one entry of `subjectErasers` (a new store: one more entry).
 */
export interface SubjectEraser {
  /** Its name in the Subject Erased manifest. */
  readonly store: string;
  /** Deletes (or, for shared rows, clears) every row of the subject; returns how many. Safe to repeat. */
  erase(ref: SubjectRef): Promise<number>;
  /** Rows of the subject still there (the manifest's re-list). */
  remaining(ref: SubjectRef): Promise<number>;
}

/** The tables erasure reads from its environment. */
export interface ErasureTables {
  ledger: string;
  modelRegistry: string;
  trainingState: string;
  /** The webhooks table, whose delivery attempts name the subject they were about. */
  webhooks: string;
}

/** Every store of subject-scoped rows, in the order they are erased. Add an eraser here, and nowhere else. */
export function subjectErasers(db: DynamoDBDocumentClient, tables: ErasureTables): SubjectEraser[] {
  return [
    partitionEraser('ledger', db, tables.ledger, { partition: 'pk', sort: 'sk' }, (ref) => {
      return `SUBJECT#${ref.tenantId}#${ref.subjectId}`;
    }),
    partitionEraser(
      'model-registry',
      db,
      tables.modelRegistry,
      { partition: 'subjectKey', sort: 'modelVersion' },
      registrySubjectKey,
    ),
    trainingStateEraser(db, tables.trainingState),
    webhookAttemptsEraser(db, tables.webhooks),
  ];
}

/**
 * Delivery attempts live in the tenant's partition of the webhooks table (`attempt#...` rows), each naming the subject
 * its message was about: the subject's are found by that attribute. Endpoints and secrets are the tenant's, not the
 * subject's, and stay.
 */
export function webhookAttemptsEraser(db: DynamoDBDocumentClient, tableName: string): SubjectEraser {
  const rows = (ref: SubjectRef) =>
    queryAllItems(db, {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :attempt)',
      FilterExpression: 'subjectId = :subject',
      ExpressionAttributeValues: {
        ':pk': `tenant#${ref.tenantId}`,
        ':attempt': 'attempt#',
        ':subject': ref.subjectId,
      },
      ConsistentRead: true,
    });
  return {
    store: 'webhook-attempts',
    async erase(ref) {
      const found = await rows(ref);
      for (const row of found) {
        await db.send(new DeleteCommand({ TableName: tableName, Key: { pk: row.pk, sk: row.sk } }));
      }
      return found.length;
    },
    async remaining(ref) {
      return (await rows(ref)).length;
    },
  };
}

/** A table whose rows of a subject are one partition: query it, delete each row by its key. */
export function partitionEraser(
  store: string,
  db: DynamoDBDocumentClient,
  tableName: string,
  keys: { partition: string; sort: string },
  partitionOf: (ref: SubjectRef) => string,
): SubjectEraser {
  const rows = (ref: SubjectRef) =>
    queryAllItems(db, {
      TableName: tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': keys.partition },
      ExpressionAttributeValues: { ':pk': partitionOf(ref) },
      ConsistentRead: true,
    });
  return {
    store,
    async erase(ref) {
      const found = await rows(ref);
      for (const row of found) {
        const key = { [keys.partition]: row[keys.partition], [keys.sort]: row[keys.sort] };
        await db.send(new DeleteCommand({ TableName: tableName, Key: key }));
      }
      return found.length;
    },
    async remaining(ref) {
      return (await rows(ref)).length;
    },
  };
}

/** A callback token, queue or slot row of the training state table, as the erasure reads it. */
export interface TrainingStateRow {
  pk: string;
  sk: string;
  tenantId?: string;
  subjectId?: string;
  executionName?: string;
  holder?: string;
  outputLocation?: string;
  failureLocation?: string;
}

const TOMBSTONE_PREFIX = 'ERASED#';

/**
 * The training state table holds rows of every subject in shared partitions (the queue, the slots, the callback
 * tokens by inference id), so it is scanned: it holds only trainings in flight (TTL), a few rows per subject. The
 * subject's tombstone stays: it is what keeps a late result from being used.
 */
export async function trainingStateRowsOf(
  db: DynamoDBDocumentClient,
  tableName: string,
  ref: SubjectRef,
): Promise<TrainingStateRow[]> {
  const rows: TrainingStateRow[] = [];
  for await (const page of paginateScan({ client: db }, { TableName: tableName, ConsistentRead: true })) {
    for (const item of (page.Items ?? []) as TrainingStateRow[]) {
      if (item.pk.startsWith(TOMBSTONE_PREFIX)) continue;
      if (isSubjectsRow(item, ref)) rows.push(item);
    }
  }
  return rows;
}

function isSubjectsRow(row: TrainingStateRow, ref: SubjectRef): boolean {
  if (row.holder && isExecutionOfSubject(row.holder, ref)) return true;
  if (row.subjectId !== ref.subjectId) return false;
  // Token rows carry the tenant; queue rows name it in the execution name only.
  if (row.tenantId !== undefined) return row.tenantId === ref.tenantId;
  if (row.executionName !== undefined) return isExecutionOfSubject(row.executionName, ref);
  return ref.tenantId === DEFAULT_TENANT_ID;
}

function trainingStateEraser(db: DynamoDBDocumentClient, tableName: string): SubjectEraser {
  return {
    store: 'training-state',
    async erase(ref) {
      const rows = await trainingStateRowsOf(db, tableName, ref);
      for (const row of rows) {
        if (row.pk === 'TRAINING_SLOTS') {
          // A slot is shared capacity: freed, not deleted (the stopped execution never released it).
          await db
            .send(
              new UpdateCommand({
                TableName: tableName,
                Key: { pk: row.pk, sk: row.sk },
                UpdateExpression: 'REMOVE holder, heldSince',
                ConditionExpression: 'holder = :holder',
                ExpressionAttributeValues: { ':holder': row.holder },
              }),
            )
            .catch((error: Error) => {
              if (error.name !== 'ConditionalCheckFailedException') throw error;
            });
        } else {
          await db.send(new DeleteCommand({ TableName: tableName, Key: { pk: row.pk, sk: row.sk } }));
        }
      }
      return rows.length;
    },
    async remaining(ref) {
      return (await trainingStateRowsOf(db, tableName, ref)).length;
    },
  };
}
