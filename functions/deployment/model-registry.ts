import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Hyperparameters } from '../../events/training-settings.js';

/** One trained, deployed and warmed model of a subject. */
export interface RegisteredModel {
  subjectId: string;
  modelVersion: string;
  imageSetId: string;
  targetModel: string;
  artifactKey: string;
  baseModel: string;
  hyperparameters: Hyperparameters;
  adapterBytes: number;
  trainingSeconds: number;
  warmUpSeconds: number;
  registeredAt: string;
}

/**
 * The model registry (hosting's table): partition key subjectId, sort key modelVersion, and one item
 * `modelVersion = CURRENT` pointing at the version generation uses.
 */
export class ModelRegistry {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Idempotent: registering the same version again rewrites the same entry. */
  async register(model: RegisteredModel): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...model } }));
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          subjectId: model.subjectId,
          modelVersion: 'CURRENT',
          currentVersion: model.modelVersion,
          targetModel: model.targetModel,
          updatedAt: model.registeredAt,
        },
      }),
    );
  }

  async current(subjectId: string): Promise<RegisteredModel | undefined> {
    const pointer = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { subjectId, modelVersion: 'CURRENT' },
        ConsistentRead: true,
      }),
    );
    const version = pointer.Item?.currentVersion as string | undefined;
    if (!version) return undefined;
    const entry = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { subjectId, modelVersion: version },
        ConsistentRead: true,
      }),
    );
    return entry.Item as RegisteredModel | undefined;
  }
}
