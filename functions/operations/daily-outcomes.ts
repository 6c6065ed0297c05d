import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { OutcomeCounts } from './outcome-counts.js';

/** How long an event's counts are kept: the summary reads yesterday; a month leaves room to re-send one. */
export const OUTCOME_ROW_TTL_DAYS = 35;

/**
 * The day's outcomes, one row per event: `pk = DAY#<YYYY-MM-DD>, sk = EVENT#<event id>`, its counts and nothing
 * else. One conditional put per event makes a redelivered event (EventBridge delivers at least once) count once
 * without a transaction; the day's totals are the sum of its rows, read once a day.
 */
export class DailyOutcomes {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records an event's counts under its day; `duplicate` when this event id was recorded before. */
  async record(day: string, eventId: string, counts: OutcomeCounts): Promise<'recorded' | 'duplicate'> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: `DAY#${day}`,
            sk: `EVENT#${eventId}`,
            counts,
            expiresAt: Math.floor(this.now() / 1000) + OUTCOME_ROW_TTL_DAYS * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'recorded';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  /** Every event's counts of the day, page by page. */
  async countsOfDay(day: string): Promise<OutcomeCounts[]> {
    const all: OutcomeCounts[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :day AND begins_with(sk, :event)',
          ExpressionAttributeValues: { ':day': `DAY#${day}`, ':event': 'EVENT#' },
          ProjectionExpression: '#counts',
          ExpressionAttributeNames: { '#counts': 'counts' },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) all.push((item.counts ?? {}) as OutcomeCounts);
      start = page.LastEvaluatedKey;
    } while (start);
    return all;
  }
}
