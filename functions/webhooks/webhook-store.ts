import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { queryAllItems } from '../platform/query-all-items.js';
import type { StoredSecret } from './signing.js';

/** A tenant's webhook endpoint as stored (its secrets never leave the table except once, at creation or rotation). */
export interface EndpointRecord {
  tenantId: string;
  endpointId: string;
  url: string;
  /** Webhook types it receives (`subject.accepted`...); empty: every type. */
  eventTypes: string[];
  description: string;
  enabled: boolean;
  disabledReason?: string;
  disabledAt?: string;
  createdAt: string;
  secrets: StoredSecret[];
  /** Start of the current run of failed attempts; cleared by a success. */
  failingSince?: string;
}

/** One delivery attempt: status code, latency and error, never the body. */
export interface AttemptRecord {
  /** The endpoint id, or `subject-url` for the per-subject `webhook.url`. */
  destination: string;
  messageId: string;
  type: string;
  attempt: number;
  at: string;
  statusCode?: number;
  latencyMs: number;
  error?: string;
  outcome: 'delivered' | 'failed';
  /** The subject the message is about, when it is about one: erasure deletes the subject's attempts by it. */
  subjectId?: string;
}

/** Attempts are kept this long (DynamoDB TTL), enough for the attempts list and the whole retry schedule. */
export const ATTEMPT_RETENTION_SECONDS = 30 * 24 * 3600;

const pk = (tenantId: string) => `tenant#${tenantId}`;
const endpointSk = (endpointId: string) => `endpoint#${endpointId}`;
const DEFAULT_SECRET_SK = 'default-secret';

/**
 * The webhooks table: one partition per tenant (the tenant is the partition key, so no query can reach another
 * tenant's items), holding its endpoints, its default secret and the recent attempts. Encrypted at rest with the
 * pipeline's data key (a customer-managed KMS key); see functions/webhooks/README.md for why not Secrets Manager.
 */
export class WebhookStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async putEndpoint(record: EndpointRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: pk(record.tenantId), sk: endpointSk(record.endpointId), kind: 'endpoint', ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getEndpoint(tenantId: string, endpointId: string): Promise<EndpointRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: pk(tenantId), sk: endpointSk(endpointId) } }),
    );
    return Item ? toEndpoint(Item) : undefined;
  }

  async listEndpoints(tenantId: string): Promise<EndpointRecord[]> {
    const items = await queryAllItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk(tenantId), ':prefix': 'endpoint#' },
    });
    return items.map(toEndpoint);
  }

  /** False when there was no such endpoint of this tenant. */
  async deleteEndpoint(tenantId: string, endpointId: string): Promise<boolean> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: pk(tenantId), sk: endpointSk(endpointId) },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** False when the endpoint is gone (deleted meanwhile). */
  async setEndpointSecrets(tenantId: string, endpointId: string, secrets: StoredSecret[]): Promise<boolean> {
    return this.conditionalUpdate(
      { pk: pk(tenantId), sk: endpointSk(endpointId) },
      'SET secrets = :secrets',
      { ':secrets': secrets },
      'attribute_exists(pk)',
    );
  }

  /** A success ends a run of failures. */
  async clearFailing(tenantId: string, endpointId: string): Promise<void> {
    await this.conditionalUpdate(
      { pk: pk(tenantId), sk: endpointSk(endpointId) },
      'REMOVE failingSince',
      undefined,
      'attribute_exists(pk) AND attribute_exists(failingSince)',
    );
  }

  /** Records a failure; returns when the run of failures began (this attempt, or an earlier one). */
  async noteFailing(tenantId: string, endpointId: string, at: string): Promise<string | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: pk(tenantId), sk: endpointSk(endpointId) },
          UpdateExpression: 'SET failingSince = if_not_exists(failingSince, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes?.failingSince as string | undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Disables an enabled endpoint; false when it was already disabled (or gone), so one event is published. */
  async disableEndpoint(tenantId: string, endpointId: string, reason: string, at: string): Promise<boolean> {
    return this.conditionalUpdate(
      { pk: pk(tenantId), sk: endpointSk(endpointId) },
      'SET enabled = :false, disabledReason = :reason, disabledAt = :at',
      { ':false': false, ':true': true, ':reason': reason, ':at': at },
      'attribute_exists(pk) AND enabled = :true',
    );
  }

  /**
   * Enables an endpoint again (its owner fixed it): deliveries resume with new messages, its run of failures starts
   * over. The URL is checked again by the caller. False when it is gone.
   */
  async enableEndpoint(tenantId: string, endpointId: string): Promise<boolean> {
    return this.conditionalUpdate(
      { pk: pk(tenantId), sk: endpointSk(endpointId) },
      'SET enabled = :true REMOVE disabledReason, disabledAt, failingSince',
      { ':true': true },
      'attribute_exists(pk)',
    );
  }

  async getDefaultSecret(
    tenantId: string,
  ): Promise<{ secrets: StoredSecret[]; revealedAt?: string } | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: pk(tenantId), sk: DEFAULT_SECRET_SK } }),
    );
    if (!Item) return undefined;
    return {
      secrets: Item.secrets as StoredSecret[],
      ...(Item.revealedAt ? { revealedAt: String(Item.revealedAt) } : {}),
    };
  }

  /** Creates the tenant's default secret unless it has one; returns the one that is stored either way. */
  async ensureDefaultSecret(
    tenantId: string,
    fresh: StoredSecret,
    revealedAt?: string,
  ): Promise<{ secrets: StoredSecret[]; revealedAt?: string }> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: pk(tenantId),
            sk: DEFAULT_SECRET_SK,
            kind: 'default-secret',
            secrets: [fresh],
            ...(revealedAt ? { revealedAt } : {}),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    return (await this.getDefaultSecret(tenantId)) ?? { secrets: [fresh] };
  }

  /** Replaces the default secret outright (the local CLI's `--webhook-secret`: the operator knows it already). */
  async replaceDefaultSecret(tenantId: string, secret: StoredSecret, revealedAt: string): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: pk(tenantId),
          sk: DEFAULT_SECRET_SK,
          kind: 'default-secret',
          secrets: [secret],
          revealedAt,
        },
      }),
    );
  }

  /** Marks the default secret read; false if it had been read before (the API's read-once). */
  async markDefaultSecretRevealed(tenantId: string, at: string): Promise<boolean> {
    return this.conditionalUpdate(
      { pk: pk(tenantId), sk: DEFAULT_SECRET_SK },
      'SET revealedAt = :at',
      { ':at': at },
      'attribute_exists(pk) AND attribute_not_exists(revealedAt)',
    );
  }

  async setDefaultSecrets(tenantId: string, secrets: StoredSecret[], revealedAt: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: pk(tenantId), sk: DEFAULT_SECRET_SK },
        UpdateExpression: 'SET secrets = :secrets, revealedAt = :at, kind = :kind',
        ExpressionAttributeValues: { ':secrets': secrets, ':at': revealedAt, ':kind': 'default-secret' },
      }),
    );
  }

  async recordAttempt(tenantId: string, attempt: AttemptRecord): Promise<void> {
    const expiresAt = Math.floor(Date.parse(attempt.at) / 1000) + ATTEMPT_RETENTION_SECONDS;
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: pk(tenantId),
          sk: `attempt#${attempt.destination}#${attempt.at}#${attempt.messageId}#${attempt.attempt}`,
          kind: 'attempt',
          ...attempt,
          expiresAt,
        },
      }),
    );
  }

  /** The newest attempts of one destination first. */
  async listAttempts(tenantId: string, destination: string, limit: number): Promise<AttemptRecord[]> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk(tenantId), ':prefix': `attempt#${destination}#` },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map((item) => {
      const { pk: _pk, sk: _sk, kind: _kind, expiresAt: _ttl, ...attempt } = item;
      return attempt as AttemptRecord;
    });
  }

  private async conditionalUpdate(
    key: Record<string, string>,
    update: string,
    values: Record<string, unknown> | undefined,
    condition: string,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: update,
          ConditionExpression: condition,
          ...(values ? { ExpressionAttributeValues: values } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function toEndpoint(item: Record<string, unknown>): EndpointRecord {
  const { pk: _pk, sk: _sk, kind: _kind, ...record } = item;
  return record as unknown as EndpointRecord;
}
