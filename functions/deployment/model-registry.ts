import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SubjectSettings } from '../../events/subject-settings.js';
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
  /**
   * The subject.json settings the model was trained with (token, class word, prompts, styles, images per prompt):
   * every generation from this model uses these, never the subject's later settings. Absent only for a model
   * registered before they were recorded.
   */
  trainedWith?: SubjectSettings;
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

  /** One registered version of a subject; undefined when that subject has no such version. */
  async version(subjectId: string, modelVersion: string): Promise<RegisteredModel | undefined> {
    if (modelVersion === 'CURRENT') return undefined;
    const entry = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { subjectId, modelVersion }, ConsistentRead: true }),
    );
    return entry.Item as RegisteredModel | undefined;
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
