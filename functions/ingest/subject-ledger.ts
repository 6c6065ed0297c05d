import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_TENANT_ID, type SubjectRef } from '../../events/identifiers.js';
import type { PhotoRef } from '../../events/pipeline-events.js';
import { queryAllItems } from '../platform/query-all-items.js';
import { LedgerContentionError } from './errors.js';
import { executionNameFor } from './image-set.js';
import { isLaterSequencer, sortableSequencer } from './s3-sequencer.js';

/**
 * The subject ledger: one DynamoDB item per subject and one per object in its folder.
 *
 *   pk = SUBJECT#<tenantId>#<subjectId>  sk = SUBJECT        status, generation, activity, settings, the image set
 *   pk = SUBJECT#<tenantId>#<subjectId>  sk = PHOTO#<key>    size, etag, sequencer
 *   pk = SUBJECT#<tenantId>#<subjectId>  sk = IGNORED#<key>  why (folder junk, misplaced settings)
 *
 * PHOTO# and IGNORED# rows carry `expiresAt` (TTL) a day after the bucket's lifecycle deletes the photo itself.
 *
 * Subject ids are unique within a tenant, so every key (and every method) names both.
 *
 * A subject moves through one image set (a *generation*) at a time, each run by one execution of the training
 * workflow named after the subject, its incarnation and the generation:
 *
 *   open      objects are arriving; the execution settles the set (Wait states) and seals it when it is complete
 *   sealed    the set is fixed and being validated or queued; a new object *supersedes* it: the subject reopens
 *             as the next generation, and the old execution ends when it next asks for a training slot
 *   training  the set took a training slot: a new object is recorded and waits until that training has ended
 *   done      the training ended (or the set was rejected); a new object reopens the subject
 *
 * `activity` counts every change to the folder: a settle check that sees the same count as the previous one knows
 * nothing arrived during the wait. The sparse GSI `open-subjects` (gsi1pk/gsi1sk) holds the subjects whose current
 * execution is not confirmed started (OPEN), so the sweep can start them after a failed start or a reopening.
 */
export type SubjectStatus = 'open' | 'sealed' | 'training' | 'done';

export interface SubjectRecord {
  tenantId: string;
  subjectId: string;
  status: SubjectStatus;
  generation: number;
  /** Random per creation of the subject: execution names never collide with an erased subject's. */
  incarnation: string;
  activity: number;
  lastActivityAt: number;
  /** The execution that runs the current generation. */
  executionName: string;
  startedGeneration?: number;
  settingsEtag?: string;
  settingsSequencer?: string;
  settingsJson?: string;
  settingsProblem?: string;
  imageSetId?: string;
  sealedBy?: string;
  sealedAt?: number;
  /** An object arrived while the set was training: the next generation opens when the training ends. */
  changedDuringTraining?: boolean;
  /** The image set the current generation replaced, and why (for the event the old execution publishes). */
  supersededImageSetId?: string;
}

export interface LedgerPhoto extends PhotoRef {
  sequencer: string;
}

export interface IgnoredFile {
  key: string;
  why: string;
}

/** What `noteActivity` did to the subject, besides counting the change. */
export type ActivityEffect = 'created' | 'counted' | 'superseded' | 'held-for-training' | 'reopened' | 'none';

const OPEN = 'OPEN';
/** Rows written before tenancy carry no tenantId: they belong to the default tenant. */
const asSubjectRecord = (item: Record<string, unknown>): SubjectRecord =>
  ({ ...item, tenantId: (item.tenantId as string | undefined) ?? DEFAULT_TENANT_ID }) as SubjectRecord;

const partitionOf = (ref: SubjectRef) => `SUBJECT#${ref.tenantId}#${ref.subjectId}`;
const subjectKey = (ref: SubjectRef) => ({ pk: partitionOf(ref), sk: 'SUBJECT' });
const iso = (epochMs: number) => new Date(epochMs).toISOString();

/** A day past the photo's own lifecycle expiry: the row outlives the object it describes, never the reverse. */
const OBJECT_ROW_GRACE_DAYS = 1;
const DAY_SECONDS = 86_400;

export interface LedgerOptions {
  /**
   * Days the bucket keeps a dropped photo (`photoRetentionDays`): PHOTO# and IGNORED# rows get `expiresAt` (the
   * table's TTL attribute, epoch seconds) = write time + these days + 1 day. Absent: rows never expire.
   */
  readonly photoRetentionDays?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export class SubjectLedger {
  private readonly now: () => number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: LedgerOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** `expiresAt` of an object row written now (DynamoDB TTL reads epoch seconds), or nothing without a retention. */
  private objectRowExpiry(): { expiresAt?: number } {
    const days = this.options.photoRetentionDays;
    if (days === undefined) return {};
    return {
      expiresAt: Math.floor(this.now() / 1000) + (days + OBJECT_ROW_GRACE_DAYS) * DAY_SECONDS,
    };
  }

  /**
   * Records the latest version of an object key. Returns false for a replayed, duplicate or out-of-order
   * (older sequencer) event, and for a re-upload of identical content: nothing changed.
   */
  async recordPhoto(ref: SubjectRef, photo: LedgerPhoto): Promise<boolean> {
    const key = { pk: partitionOf(ref), sk: `PHOTO#${photo.key}` };
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
            tenantId: ref.tenantId,
            subjectId: ref.subjectId,
            key: photo.key,
            size: photo.size,
            etag: photo.etag,
            sequencer: photo.sequencer,
            ...this.objectRowExpiry(),
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

  /** Records a file that is not a photo (folder junk, a misplaced settings file); true when it is new. */
  async recordIgnoredFile(ref: SubjectRef, key: string, why: string): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: partitionOf(ref),
            sk: `IGNORED#${key}`,
            tenantId: ref.tenantId,
            subjectId: ref.subjectId,
            key,
            why,
            ...this.objectRowExpiry(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Records subject.json's content, or why it cannot be used. Returns false for a replay or an older version.
   * Sequencers are compared padded (as the S3 user guide says), stored in that form so DynamoDB can compare them.
   */
  async recordSettings(
    ref: SubjectRef,
    settings: { etag: string; sequencer: string; json?: string; problem?: string },
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: subjectKey(ref),
          UpdateExpression:
            'SET tenantId = :tenant, subjectId = :id, settingsEtag = :etag, settingsSequencer = :seq, settingsJson = :json, settingsProblem = :problem',
          ConditionExpression:
            'attribute_not_exists(settingsSequencer) OR (settingsSequencer < :seq AND settingsEtag <> :etag)',
          ExpressionAttributeValues: {
            ':tenant': ref.tenantId,
            ':id': ref.subjectId,
            ':etag': settings.etag,
            ':seq': sortableSequencer(settings.sequencer),
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
   * Counts one change to the folder and moves the subject on: creates it, supersedes a sealed set (reopening
   * the subject as the next generation), holds the change while a set trains, or reopens a finished subject.
   * With `reopens: false` (folder junk) only an open subject counts the change.
   */
  async noteActivity(
    ref: SubjectRef,
    now: number,
    options: { reopens: boolean } = { reopens: true },
  ): Promise<{ subject: SubjectRecord; effect: ActivityEffect }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.getSubject(ref);
      try {
        // A change that cannot alter the set (folder junk) moves nothing once the set is sealed.
        if (current?.status && current.status !== 'open' && !options.reopens)
          return { subject: current, effect: 'none' };
        if (!current?.status) {
          const incarnation = randomBytes(4).toString('hex');
          const subject = await this.update(ref, {
            expression:
              'SET tenantId = :tenant, subjectId = :id, #status = :open, generation = :one, incarnation = :inc, activity = :one, lastActivityAt = :now, executionName = :name, gsi1pk = :gsi, gsi1sk = :nowIso',
            condition: 'attribute_not_exists(#status)',
            values: {
              ':tenant': ref.tenantId,
              ':id': ref.subjectId,
              ':open': 'open',
              ':one': 1,
              ':inc': incarnation,
              ':now': now,
              ':name': executionNameFor(ref, incarnation, 1),
              ':gsi': OPEN,
              ':nowIso': iso(now),
            },
          });
          return { subject, effect: 'created' };
        }
        if (current.status === 'open' || current.status === 'training') {
          const subject = await this.update(ref, {
            expression: `SET activity = activity + :one, lastActivityAt = :now${current.status === 'training' ? ', changedDuringTraining = :true' : ''}`,
            condition: '#status = :status AND generation = :gen',
            values: {
              ':one': 1,
              ':now': now,
              ':status': current.status,
              ':gen': current.generation,
              ...(current.status === 'training' ? { ':true': true } : {}),
            },
          });
          return { subject, effect: current.status === 'training' ? 'held-for-training' : 'counted' };
        }
        const subject = await this.reopen(current, now);
        return { subject, effect: current.status === 'sealed' ? 'superseded' : 'reopened' };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Another delivery changed the subject between our read and write: read again and retry.
      }
    }
    throw new LedgerContentionError(
      `Subject "${ref.tenantId}/${ref.subjectId}" kept changing while recording activity; the event will be retried`,
    );
  }

  async getSubject(ref: SubjectRef): Promise<SubjectRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: subjectKey(ref), ConsistentRead: true }),
    );
    return out.Item ? asSubjectRecord(out.Item) : undefined;
  }

  async listPhotos(ref: SubjectRef): Promise<PhotoRef[]> {
    const items = await this.queryAll(ref, 'PHOTO#');
    return items.map((item) => ({
      key: item.key as string,
      size: item.size as number,
      etag: item.etag as string,
    }));
  }

  async listIgnoredFiles(ref: SubjectRef): Promise<IgnoredFile[]> {
    return (await this.queryAll(ref, 'IGNORED#')).map((item) => ({
      key: item.key as string,
      why: item.why as string,
    }));
  }

  /**
   * Seals the current generation if it is still exactly as the caller saw it (same generation, no activity
   * since). Returns false when a new object arrived meanwhile.
   */
  async markSealed(
    seen: SubjectRecord,
    seal: { imageSetId: string; sealedBy: string },
    now: number,
  ): Promise<boolean> {
    try {
      await this.update(seen, {
        expression: 'SET #status = :sealed, imageSetId = :set, sealedBy = :by, sealedAt = :now',
        condition: '#status = :open AND generation = :gen AND activity = :activity',
        values: {
          ':sealed': 'sealed',
          ':open': 'open',
          ':gen': seen.generation,
          ':activity': seen.activity,
          ':set': seal.imageSetId,
          ':by': seal.sealedBy,
          ':now': now,
        },
      });
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The current generation's execution is confirmed started: the subject leaves the sweep's index. */
  async markStarted(ref: SubjectRef, generation: number): Promise<void> {
    try {
      await this.update(ref, {
        expression: 'SET startedGeneration = :gen REMOVE gsi1pk, gsi1sk',
        condition: 'generation = :gen',
        values: { ':gen': generation },
      });
    } catch (error) {
      // Reopened in the meantime: the new generation keeps its own index entry.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * The set of `executionName` takes a training slot: from now on new objects wait until its training ends.
   * False when the set was superseded (or never sealed by this execution).
   */
  async claimForTraining(ref: SubjectRef, executionName: string): Promise<boolean> {
    try {
      await this.update(ref, {
        expression: 'SET #status = :training',
        condition: '#status = :sealed AND executionName = :name',
        values: { ':training': 'training', ':sealed': 'sealed', ':name': executionName },
      });
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * The training of `executionName` ended (trained or failed). If objects arrived meanwhile, the subject reopens
   * as the next generation (the sweep starts its execution); otherwise it is done. Idempotent.
   */
  async finishTraining(
    ref: SubjectRef,
    executionName: string,
    now: number,
  ): Promise<'done' | 'reopened' | 'not-training'> {
    const current = await this.getSubject(ref);
    if (!current || current.executionName !== executionName || current.status !== 'training')
      return 'not-training';
    try {
      if (current.changedDuringTraining) {
        await this.reopen(current, now);
        return 'reopened';
      }
      await this.update(ref, {
        expression: 'SET #status = :done',
        condition: '#status = :training AND executionName = :name',
        values: { ':done': 'done', ':training': 'training', ':name': executionName },
      });
      return 'done';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'not-training';
      throw error;
    }
  }

  /** Open subjects whose execution is not confirmed started and that have been quiet since `quietSince`. */
  async subjectsWaitingToStart(quietSince: number): Promise<SubjectRecord[]> {
    return (
      await queryAllItems(this.db, {
        TableName: this.tableName,
        IndexName: 'open-subjects',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk <= :upTo',
        ExpressionAttributeValues: { ':pk': OPEN, ':upTo': iso(quietSince) },
      })
    ).map(asSubjectRecord);
  }

  private async reopen(current: SubjectRecord, now: number): Promise<SubjectRecord> {
    const generation = current.generation + 1;
    return this.update(current, {
      expression:
        'SET #status = :open, generation = :next, activity = activity + :one, lastActivityAt = :now, executionName = :name, supersededImageSetId = :previous, gsi1pk = :gsi, gsi1sk = :nowIso REMOVE imageSetId, sealedBy, sealedAt, changedDuringTraining',
      condition: '#status = :status AND generation = :gen',
      values: {
        ':open': 'open',
        ':status': current.status,
        ':gen': current.generation,
        ':next': generation,
        ':one': 1,
        ':now': now,
        ':name': executionNameFor(current, current.incarnation, generation),
        ':previous': current.imageSetId ?? null,
        ':gsi': OPEN,
        ':nowIso': iso(now),
      },
    });
  }

  private async queryAll(ref: SubjectRef, skPrefix: string): Promise<Record<string, unknown>[]> {
    return queryAllItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': partitionOf(ref), ':prefix': skPrefix },
      ConsistentRead: true,
    });
  }

  private async update(
    ref: SubjectRef,
    change: { expression: string; condition: string; values: Record<string, unknown> },
  ): Promise<SubjectRecord> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: subjectKey(ref),
        UpdateExpression: change.expression,
        ConditionExpression: change.condition,
        // DynamoDB refuses a name the expressions do not use.
        ...(`${change.expression} ${change.condition}`.includes('#status')
          ? { ExpressionAttributeNames: { '#status': 'status' } }
          : {}),
        ExpressionAttributeValues: change.values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return asSubjectRecord(out.Attributes ?? {});
  }
}
