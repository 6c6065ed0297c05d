import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SlotDecision, SlotRequest } from '../../state-machines/training/contract.js';
import { queryAllItems } from '../platform/query-all-items.js';

/**
 * The training capacity gate: at most `limit` trainings run at once (the async endpoint's instance count),
 * and waiting subjects start in the order their executions started. A Standard workflow polls `acquire` with
 * a Wait state in between (as long as `retryInSeconds` says: longer the further back); every exit path calls
 * `release`, which is idempotent.
 *
 *   pk = TRAINING_QUEUE  sk = <enqueuedAt>#<executionName>   status waiting|running
 *   pk = TRAINING_SLOTS  sk = SLOT#<n>, n < limit             holder = executionName while held
 *
 * Each slot is taken by one conditional write, so no more than `limit` can be held, without transactions.
 */
const QUEUE = 'TRAINING_QUEUE';
const SLOTS = 'TRAINING_SLOTS';
/** A queue item outlives any execution (ours last hours); the TTL only cleans up after a lost release. */
const ITEM_TTL_SECONDS = 7 * 24 * 3600;

/** The first polls of a waiter, and every poll of one at the head: as often as the workflow ever polled. */
export const MIN_POLL_SECONDS = 60;
/** However deep the queue, a waiter asks again within the hour. */
export const MAX_POLL_SECONDS = 3600;
/**
 * A short training, well under the seed's 1,500 s: the waiter at `position` cannot be given a slot before about
 * `position` trainings have ended, which `limit` slots take at least `position x this / limit` seconds to do.
 */
const SHORT_TRAINING_SECONDS = 600;

/**
 * How long a waiter waits before its next poll: half the shortest time in which the slots ahead of it could
 * come free, so that it asks about log(depth) times on its way to the head instead of once a minute. At a
 * 1,000-deep queue polling every 60 s cost 3 transitions and a query of the whole queue per waiter per minute
 * (`npm run bench`, burst): about 9,700 transitions per subject over the burst.
 */
export function pollDelaySeconds(position: number, limit: number): number {
  const ahead = Math.max(0, position);
  const seconds = Math.floor((ahead * SHORT_TRAINING_SECONDS) / Math.max(1, limit) / 2);
  return Math.min(MAX_POLL_SECONDS, Math.max(MIN_POLL_SECONDS, seconds));
}

export class TrainingQueue {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(request: SlotRequest, limit: number): Promise<SlotDecision> {
    const queueKey = { pk: QUEUE, sk: `${request.enqueuedAt}#${request.executionName}` };
    const queuedSeconds = Math.max(0, (this.now() - Date.parse(request.enqueuedAt)) / 1000);
    await this.enqueue(queueKey, request);
    const slots = await this.query(SLOTS);
    if (slots.some((slot) => slot.holder === request.executionName)) {
      await this.markRunning(queueKey);
      return { acquired: true, queuedSeconds };
    }
    const holders = new Set(slots.flatMap((slot) => (slot.holder ? [String(slot.holder)] : [])));
    const held = slots.filter((slot) => slot.holder && Number(String(slot.sk).slice(5)) < limit).length;
    // An execution that took a slot but has not marked itself running yet is counted once, as a holder.
    const waiting = (await this.query(QUEUE)).filter(
      (item) => item.status === 'waiting' && !holders.has(String(item.executionName)),
    );
    const position = waiting.findIndex((item) => item.sk === queueKey.sk);
    if (held + Math.max(0, position) >= limit)
      return { acquired: false, position, retryInSeconds: pollDelaySeconds(position, limit) };
    for (let slot = 0; slot < limit; slot++) {
      if (await this.take(slot, request.executionName)) {
        await this.markRunning(queueKey);
        return { acquired: true, queuedSeconds };
      }
    }
    return { acquired: false, position, retryInSeconds: pollDelaySeconds(position, limit) };
  }

  /** Frees the slot it held and leaves the queue. Safe to repeat, and for an execution that never queued. */
  async release(request: Pick<SlotRequest, 'executionName' | 'enqueuedAt'>): Promise<{ released: boolean }> {
    let released = false;
    for (const slot of await this.query(SLOTS)) {
      if (slot.holder !== request.executionName) continue;
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: SLOTS, sk: slot.sk },
            UpdateExpression: 'REMOVE holder, heldSince',
            ConditionExpression: 'holder = :me',
            ExpressionAttributeValues: { ':me': request.executionName },
          }),
        );
        released = true;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: QUEUE, sk: `${request.enqueuedAt}#${request.executionName}` },
      }),
    );
    return { released };
  }

  /** Executions holding a slot now (for tests and metrics). */
  async holders(): Promise<string[]> {
    return (await this.query(SLOTS)).flatMap((slot) => (slot.holder ? [String(slot.holder)] : []));
  }

  private async take(slot: number, executionName: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: SLOTS, sk: `SLOT#${slot}` },
          UpdateExpression: 'SET holder = :me, heldSince = :now',
          ConditionExpression: 'attribute_not_exists(holder)',
          ExpressionAttributeValues: { ':me': executionName, ':now': this.now() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async enqueue(key: { pk: string; sk: string }, request: SlotRequest): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            status: 'waiting',
            subjectId: request.subjectId,
            executionName: request.executionName,
            expiresAt: Math.floor(this.now() / 1000) + ITEM_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async markRunning(key: { pk: string; sk: string }): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'SET #status = :running',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':running': 'running' },
      }),
    );
  }

  /** The execution waits in line for a slot (the HTTP API's `queued`); its entry, to leave the line on cancel. */
  async waitingEntry(executionName: string): Promise<{ enqueuedAt: string } | undefined> {
    const item = (await this.query(QUEUE)).find(
      (entry) => entry.executionName === executionName && entry.status === 'waiting',
    );
    return item ? { enqueuedAt: String(item.sk).slice(0, String(item.sk).lastIndexOf('#')) } : undefined;
  }

  async isWaiting(executionName: string): Promise<boolean> {
    return (await this.waitingEntry(executionName)) !== undefined;
  }

  private async query(pk: string): Promise<Record<string, unknown>[]> {
    return queryAllItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    });
  }
}
