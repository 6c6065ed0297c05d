import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PhotoRef } from '../../events/pipeline-events.js';
import type { TrainingExecutionInput } from '../../state-machines/training/contract.js';
import { queryAllItems } from '../platform/query-all-items.js';
import { LedgerContentionError } from './errors.js';
import { isLaterSequencer } from './s3-sequencer.js';

/**
 * The subject ledger: one DynamoDB item per subject and one per object in its folder.
 *
 *   pk = SUBJECT#<id>  sk = SUBJECT          status open|sealed, generation, lastActivityAt, settings
 *   pk = SUBJECT#<id>  sk = PHOTO#<key>      size, etag, sequencer
 *   pk = SUBJECT#<id>  sk = IGNORED#<key>    why (folder junk)
 *
 * The sparse GSI `open-subjects` (gsi1pk/gsi1sk) holds only subjects that still need attention:
 * OPEN (sorted by last activity, for the quiet-period sweep) and STARTING (sealed, execution not yet
 * confirmed started, so a crash between seal and start is retried instead of losing the subject).
 */
export type SubjectStatus = 'open' | 'sealed';

export interface SubjectRecord {
  subjectId: string;
  status: SubjectStatus;
  generation: number;
  lastActivityAt: number;
  settingsEtag?: string;
  settingsJson?: string;
  settingsProblem?: string;
  imageSetId?: string;
  executionName?: string;
  executionInput?: string;
  sealedAt?: number;
  startedAt?: number;
}

export interface LedgerPhoto extends PhotoRef {
  sequencer: string;
}

const OPEN = 'OPEN';
const STARTING = 'STARTING';
const subjectKey = (subjectId: string) => ({ pk: `SUBJECT#${subjectId}`, sk: 'SUBJECT' });
const iso = (epochMs: number) => new Date(epochMs).toISOString();

export class SubjectLedger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /**
   * Records the latest version of an object key. Returns false for a replayed, duplicate or out-of-order
   * (older sequencer) event, and for a re-upload of identical content: nothing changed.
   */
  async recordPhoto(subjectId: string, photo: LedgerPhoto): Promise<boolean> {
    const key = { pk: `SUBJECT#${subjectId}`, sk: `PHOTO#${photo.key}` };
    const existing = (
      await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))
    ).Item as LedgerPhoto | undefined;
    if (
      existing &&
      (existing.etag === photo.etag || !isLaterSequencer(photo.sequencer, existing.sequencer))
    ) {
      return false;
    }
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            subjectId,
            key: photo.key,
            size: photo.size,
            etag: photo.etag,
            sequencer: photo.sequencer,
          },
          // Two deliveries racing: only the later sequencer wins.
          ConditionExpression: 'attribute_not_exists(pk) OR sequencer = :seen',
          ExpressionAttributeValues: { ':seen': existing?.sequencer ?? '' },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async recordIgnoredFile(subjectId: string, key: string, why: string): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `SUBJECT#${subjectId}`, sk: `IGNORED#${key}`, subjectId, key, why },
      }),
    );
  }

  async recordSettings(
    subjectId: string,
    settings: { etag: string; sequencer: string; json?: string; problem?: string },
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: subjectKey(subjectId),
          UpdateExpression:
            'SET subjectId = :id, settingsEtag = :etag, settingsSequencer = :seq, settingsJson = :json, settingsProblem = :problem',
          ConditionExpression:
            'attribute_not_exists(settingsSequencer) OR (settingsSequencer < :seq AND settingsEtag <> :etag)',
          ExpressionAttributeValues: {
            ':id': subjectId,
            ':etag': settings.etag,
            ':seq': settings.sequencer,
            ':json': settings.json ?? null,
            ':problem': settings.problem ?? null,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Notes that the folder changed. A sealed subject is reopened as a new image set (generation + 1), so a
   * photo that arrives after sealing is never silently lost: it becomes part of the next set.
   */
  async noteActivity(subjectId: string, now: number): Promise<SubjectRecord> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.getSubject(subjectId);
      try {
        if (!current || current.status === undefined) {
          return await this.update(subjectId, {
            expression:
              'SET subjectId = :id, #status = :open, generation = :one, lastActivityAt = :now, gsi1pk = :gsi, gsi1sk = :nowIso',
            condition: 'attribute_not_exists(#status)',
            values: {
              ':id': subjectId,
              ':open': 'open',
              ':one': 1,
              ':now': now,
              ':gsi': OPEN,
              ':nowIso': iso(now),
            },
          });
        }
        if (current.status === 'sealed') {
          return await this.update(subjectId, {
            expression:
              'SET #status = :open, generation = :next, lastActivityAt = :now, gsi1pk = :gsi, gsi1sk = :nowIso REMOVE imageSetId, executionName, executionInput, sealedAt, startedAt, sealedBy',
            condition: '#status = :sealed AND generation = :gen',
            values: {
              ':open': 'open',
              ':sealed': 'sealed',
              ':gen': current.generation,
              ':next': current.generation + 1,
              ':now': now,
              ':gsi': OPEN,
              ':nowIso': iso(now),
            },
          });
        }
        return await this.update(subjectId, {
          expression: 'SET lastActivityAt = :now, gsi1sk = :nowIso',
          condition: '#status = :open AND generation = :gen',
          values: { ':open': 'open', ':gen': current.generation, ':now': now, ':nowIso': iso(now) },
        });
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Another delivery changed the subject between our read and write: read again and retry.
      }
    }
    throw new LedgerContentionError(
      `Subject "${subjectId}" kept changing while recording activity; the event will be retried`,
    );
  }

  async getSubject(subjectId: string): Promise<SubjectRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: subjectKey(subjectId), ConsistentRead: true }),
    );
    return out.Item as SubjectRecord | undefined;
  }

  async listPhotos(subjectId: string): Promise<PhotoRef[]> {
    const items = await this.queryAll(subjectId, 'PHOTO#');
    return items.map((item) => ({
      key: item.key as string,
      size: item.size as number,
      etag: item.etag as string,
    }));
  }

  async listIgnoredFiles(subjectId: string): Promise<string[]> {
    return (await this.queryAll(subjectId, 'IGNORED#')).map((item) => item.key as string);
  }

  /**
   * Seals the subject if it is still exactly as the caller saw it (same generation, no activity since).
   * Returns false when someone else sealed it or a new object arrived meanwhile.
   */
  async markSealed(
    seen: SubjectRecord,
    seal: { imageSetId: string; executionName: string; input: TrainingExecutionInput; sealedBy: string },
    now: number,
  ): Promise<boolean> {
    try {
      await this.update(seen.subjectId, {
        expression:
          'SET #status = :sealed, imageSetId = :set, executionName = :name, executionInput = :input, sealedBy = :by, sealedAt = :now, gsi1pk = :starting, gsi1sk = :nowIso',
        condition: '#status = :open AND generation = :gen AND lastActivityAt = :seenActivity',
        values: {
          ':sealed': 'sealed',
          ':open': 'open',
          ':gen': seen.generation,
          ':seenActivity': seen.lastActivityAt,
          ':set': seal.imageSetId,
          ':name': seal.executionName,
          ':input': JSON.stringify(seal.input),
          ':by': seal.sealedBy,
          ':now': now,
          ':starting': STARTING,
          ':nowIso': iso(now),
        },
      });
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The execution is confirmed started: the subject leaves the attention index. */
  async markStarted(subjectId: string, executionName: string, now: number): Promise<void> {
    try {
      await this.update(subjectId, {
        expression: 'SET startedAt = :now REMOVE gsi1pk, gsi1sk',
        condition: '#status = :sealed AND executionName = :name',
        values: { ':sealed': 'sealed', ':name': executionName, ':now': now },
      });
    } catch (error) {
      // Reopened by a late photo in the meantime: the new generation keeps its own index entry.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Open subjects whose last activity is at or before `quietSince`. */
  async openSubjectsQuietSince(quietSince: number): Promise<SubjectRecord[]> {
    return this.queryIndex(OPEN, iso(quietSince));
  }

  /** Sealed subjects whose execution start was not confirmed by `sealedBefore`. */
  async unstartedSubjectsSealedBefore(sealedBefore: number): Promise<SubjectRecord[]> {
    return this.queryIndex(STARTING, iso(sealedBefore));
  }

  private async queryIndex(gsi1pk: string, upTo: string): Promise<SubjectRecord[]> {
    return (await queryAllItems(this.db, {
      TableName: this.tableName,
      IndexName: 'open-subjects',
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk <= :upTo',
      ExpressionAttributeValues: { ':pk': gsi1pk, ':upTo': upTo },
    })) as unknown as SubjectRecord[];
  }

  private async queryAll(subjectId: string, skPrefix: string): Promise<Record<string, unknown>[]> {
    return queryAllItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `SUBJECT#${subjectId}`, ':prefix': skPrefix },
      ConsistentRead: true,
    });
  }

  private async update(
    subjectId: string,
    change: { expression: string; condition: string; values: Record<string, unknown> },
  ): Promise<SubjectRecord> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: subjectKey(subjectId),
        UpdateExpression: change.expression,
        ConditionExpression: change.condition,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: change.values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return out.Attributes as SubjectRecord;
  }
}
