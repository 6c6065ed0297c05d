import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SubjectRef } from '../../events/identifiers.js';

/**
 * The erasure tombstone, in the training state table (beside the callback tokens that check it):
 *
 *   pk = ERASED#<tenantId>#<subjectId>  sk = TOMBSTONE   erasedAt (ms), erasureId, expiresAt
 *
 * Written before anything is stopped or deleted, so that work begun before the erasure (a training running on
 * the endpoint, a notification in flight, a deploy) finds it and deletes its result instead of deploying it.
 * Work begun after it (a new drop of the same subject id: a new incarnation) is not affected. Identifiers only.
 */
const TOMBSTONE_TTL_SECONDS = 30 * 86_400;

const keyOf = (ref: SubjectRef) => ({ pk: `ERASED#${ref.tenantId}#${ref.subjectId}`, sk: 'TOMBSTONE' });

export class ErasureTombstones {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Records (or moves forward) the erasure of the subject at `erasedAt`. */
  async record(ref: SubjectRef, erasureId: string, erasedAt: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keyOf(ref),
          tenantId: ref.tenantId,
          subjectId: ref.subjectId,
          erasureId,
          erasedAt,
          expiresAt: Math.floor(erasedAt / 1000) + TOMBSTONE_TTL_SECONDS,
        },
      }),
    );
  }

  /** Whether the subject was erased at or after `since` (ms): work begun then belongs to erased data. */
  async erasedSince(ref: SubjectRef, since: number): Promise<boolean> {
    const item = (
      await this.db.send(new GetCommand({ TableName: this.tableName, Key: keyOf(ref), ConsistentRead: true }))
    ).Item as { erasedAt?: number } | undefined;
    return item?.erasedAt !== undefined && item.erasedAt >= since;
  }
}
