import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SubjectRef } from '../../events/identifiers.js';
import { ConflictError, InvalidRequestError } from './errors.js';

/**
 * What the HTTP API itself records, one table:
 *
 *   pk = TENANT#<t>              sk = SUBJECT#<id>   a subject created through the API (photos, createdAt)
 *   pk = TENANT#<t>#SUBJECT#<s>  sk = GEN#<gid>      a generation it ordered (executionName, images, createdAt)
 *   pk = QUOTA#<t>               sk = <YYYY-MM-DD>   GPU images ordered that UTC day
 *
 * Every key starts with the tenant from the authorizer, so no query can reach another tenant's rows, and a
 * cursor is accepted only for the partition it was given for.
 */
export interface ApiSubject {
  tenantId: string;
  subjectId: string;
  photos: string[];
  createdAt: string;
  createdBy: string;
}

export interface ApiGeneration {
  tenantId: string;
  subjectId: string;
  generationId: string;
  executionName: string;
  images: number;
  createdAt: string;
  /** Present for a dry run (no GPU, no quota); absent: live. */
  mode?: 'dry-run';
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const subjectsPartition = (tenantId: string) => `TENANT#${tenantId}`;
const generationsPartition = (ref: SubjectRef) => `TENANT#${ref.tenantId}#SUBJECT#${ref.subjectId}`;

export class ApiStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** @throws ConflictError when the tenant already has a subject of that id */
  async createSubject(subject: ApiSubject): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: subjectsPartition(subject.tenantId), sk: `SUBJECT#${subject.subjectId}`, ...subject },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      throw new ConflictError(`Subject "${subject.subjectId}" already exists.`, [
        {
          field: 'body.id',
          message: 'this id is already used by one of your subjects',
          fix: 'choose another id, or leave id out to get a new one',
        },
      ]);
    }
  }

  async getSubject(ref: SubjectRef): Promise<ApiSubject | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: subjectsPartition(ref.tenantId), sk: `SUBJECT#${ref.subjectId}` },
      }),
    );
    return out.Item ? strip<ApiSubject>(out.Item) : undefined;
  }

  listSubjects(tenantId: string, limit: number, cursor: string | undefined): Promise<Page<ApiSubject>> {
    return this.page(subjectsPartition(tenantId), 'SUBJECT#', limit, cursor);
  }

  async createGeneration(generation: ApiGeneration): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: generationsPartition(generation), sk: `GEN#${generation.generationId}`, ...generation },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getGeneration(ref: SubjectRef, generationId: string): Promise<ApiGeneration | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: generationsPartition(ref), sk: `GEN#${generationId}` },
      }),
    );
    return out.Item ? strip<ApiGeneration>(out.Item) : undefined;
  }

  listGenerations(ref: SubjectRef, limit: number, cursor: string | undefined): Promise<Page<ApiGeneration>> {
    return this.page(generationsPartition(ref), 'GEN#', limit, cursor);
  }

  /**
   * Adds `images` to the tenant's count of the UTC day if it stays within `limit`, in one conditional write (two
   * concurrent requests cannot both pass). False when it would exceed it; nothing is counted then.
   */
  async consumeQuota(tenantId: string, day: string, images: number, limit: number): Promise<boolean> {
    if (images > limit) return false;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `QUOTA#${tenantId}`, sk: day },
          UpdateExpression: 'ADD images :n SET expiresAt = if_not_exists(expiresAt, :ttl)',
          ConditionExpression: 'attribute_not_exists(images) OR images <= :room',
          ExpressionAttributeValues: {
            ':n': images,
            ':room': limit - images,
            ':ttl': Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + 3 * 86_400,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async page<T>(
    pk: string,
    skPrefix: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<Page<T>> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor, pk) } : {}),
      }),
    );
    const last = out.LastEvaluatedKey;
    return {
      items: (out.Items ?? []).map((item) => strip<T>(item)),
      nextCursor: last ? Buffer.from(JSON.stringify([last.sk])).toString('base64url') : null,
    };
  }
}

/** A cursor is the last sort key of a page; the partition is always the caller's own, never the cursor's word. */
function decodeCursor(cursor: string, pk: string): Record<string, string> {
  try {
    const [sk] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof sk === 'string' && sk.length > 0 && sk.length < 300) return { pk, sk };
  } catch {
    // Falls through to the problem below.
  }
  throw new InvalidRequestError('The cursor is not one this API gave.', [
    {
      field: 'query.cursor',
      message: 'not a cursor of this list',
      fix: 'send the nextCursor of the previous page unchanged, or no cursor for the first page',
    },
  ]);
}

function strip<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}
