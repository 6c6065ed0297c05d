import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

/**
 * Task tokens waiting for an async-inference notification, by InferenceId. A token is claimed once: a
 * duplicate or late notification finds it claimed and changes nothing. Items expire (TTL) a day after the
 * workflow would have timed out anyway.
 *
 *   pk = INFERENCE#<inferenceId>  sk = TOKEN   taskToken, executionName, tenantId, subjectId, modelVersion
 *                                              (the plan the callback checks), status waiting|claimed, createdAt,
 *                                              expiresAt, outputLocation and failureLocation (once the endpoint has
 *                                              taken the request: an erasure deletes what they name)
 */
export const INFERENCE_KEY_PREFIX = 'INFERENCE#';
/** DynamoDB caps a partition key at 2048 bytes; the prefix takes its share (`INFERENCE#` is ASCII). */
export const MAX_INFERENCE_ID_BYTES = 2048 - INFERENCE_KEY_PREFIX.length;

const keyOf = (inferenceId: string) => ({ pk: `${INFERENCE_KEY_PREFIX}${inferenceId}`, sk: 'TOKEN' });

export type Claim =
  | {
      outcome: 'claimed';
      taskToken: string;
      executionName: string;
      /** The plan, as recorded at invocation (absent on rows written before it was recorded). */
      tenantId?: string;
      subjectId?: string;
      modelVersion?: string;
      /** When the training was invoked (ms): an erasure at or after it makes the result erased data. */
      createdAt?: number;
      /** Where SageMaker puts the container's error body if the training fails (recorded at invocation). */
      failureLocation?: string;
    }
  | { outcome: 'unknown' }
  | { outcome: 'already-claimed' };

/** The plan a token row records (StartTraining), read without claiming it: what a notification must match. */
export interface TrainingPlanRow {
  inferenceId: string;
  executionName: string;
  tenantId?: string;
  subjectId?: string;
  modelVersion?: string;
  createdAt?: number;
  outputLocation?: string;
  failureLocation?: string;
  /** SHA-256 (hex) of the adapter package, recorded when the success notification first saw it. */
  adapterSha256?: string;
}

export class CallbackTokens {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async remember(
    inferenceId: string,
    entry: {
      taskToken: string;
      executionName: string;
      subjectId: string;
      tenantId?: string;
      modelVersion?: string;
    },
    ttlSeconds: number,
  ): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keyOf(inferenceId),
          ...entry,
          status: 'waiting',
          createdAt: this.now(),
          expiresAt: Math.floor(this.now() / 1000) + ttlSeconds,
        },
      }),
    );
  }

  /**
   * Records where SageMaker will store the container's error body (InvokeEndpointAsync's FailureLocation), known
   * only once the endpoint took the request, after the token was remembered. A notification that wins the race
   * simply finds no location, and the failure is explained from SageMaker's reason alone.
   */
  async recordFailureLocation(
    inferenceId: string,
    failureLocation: string,
    outputLocation?: string,
  ): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `INFERENCE#${inferenceId}`, sk: 'TOKEN' },
        UpdateExpression: outputLocation
          ? 'SET failureLocation = :location, outputLocation = :output'
          : 'SET failureLocation = :location',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: {
          ':location': failureLocation,
          ...(outputLocation ? { ':output': outputLocation } : {}),
        },
      }),
    );
  }

  /**
   * Puts a claimed token back, when answering the workflow failed for a reason that a redelivery of the
   * notification can outlive (throttling): the redelivered notification then claims it again.
   */
  async unclaim(inferenceId: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keyOf(inferenceId),
        UpdateExpression: 'SET #status = :waiting REMOVE claimedAt',
        ConditionExpression: '#status = :claimed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':claimed': 'claimed', ':waiting': 'waiting' },
      }),
    );
  }

  /** The row's plan, without claiming it (undefined for an inference this pipeline did not start). */
  async peek(inferenceId: string): Promise<TrainingPlanRow | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keyOf(inferenceId), ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { taskToken: _secret, pk: _pk, sk: _sk, ...plan } = out.Item;
    return { ...(plan as Omit<TrainingPlanRow, 'inferenceId'>), inferenceId };
  }

  /** Records the adapter's digest the first time a notification names it; a later, different one is refused. */
  async recordAdapterDigest(inferenceId: string, adapterSha256: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(inferenceId),
          UpdateExpression: 'SET adapterSha256 = :digest',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(adapterSha256) OR adapterSha256 = :digest)',
          ExpressionAttributeValues: { ':digest': adapterSha256 },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async claim(inferenceId: string): Promise<Claim> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(inferenceId),
          UpdateExpression: 'SET #status = :claimed, claimedAt = :now',
          ConditionExpression: '#status = :waiting',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':claimed': 'claimed', ':waiting': 'waiting', ':now': this.now() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = out.Attributes as {
        taskToken: string;
        executionName: string;
        failureLocation?: string;
        tenantId?: string;
        subjectId?: string;
        modelVersion?: string;
        createdAt?: number;
      };
      return {
        outcome: 'claimed',
        taskToken: item.taskToken,
        executionName: item.executionName,
        ...(item.tenantId ? { tenantId: item.tenantId } : {}),
        ...(item.subjectId ? { subjectId: item.subjectId } : {}),
        ...(item.modelVersion ? { modelVersion: item.modelVersion } : {}),
        ...(typeof item.createdAt === 'number' ? { createdAt: item.createdAt } : {}),
        ...(item.failureLocation ? { failureLocation: item.failureLocation } : {}),
      };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The condition also fails for a missing item; tell the two apart for the logs.
      const exists = await this.db
        .send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keyOf(inferenceId),
            UpdateExpression: 'SET lastDuplicateAt = :now',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':now': this.now() },
          }),
        )
        .then(
          () => true,
          (e: unknown) => {
            if (e instanceof ConditionalCheckFailedException) return false;
            throw e;
          },
        );
      return exists ? { outcome: 'already-claimed' } : { outcome: 'unknown' };
    }
  }
}
