import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SubjectRef } from '../../events/identifiers.js';
import type { SubjectSettings } from '../../events/subject-settings.js';
import type { Hyperparameters } from '../../events/training-settings.js';

/** One trained, deployed and warmed model of a subject. */
export interface RegisteredModel {
  tenantId: string;
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
 * The model registry (hosting's table): partition key `subjectKey` (`<tenantId>#<subjectId>`: subject ids are
 * unique within a tenant only), sort key modelVersion, and one item `modelVersion = CURRENT` pointing at the version
 * generation uses. Every read names the tenant, so no caller can reach another tenant's models.
 */
export function registrySubjectKey(ref: SubjectRef): string {
  return `${ref.tenantId}#${ref.subjectId}`;
}

export class ModelRegistry {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Idempotent: registering the same version again rewrites the same entry. */
  async register(model: RegisteredModel): Promise<void> {
    const subjectKey = registrySubjectKey(model);
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { subjectKey, ...model } }));
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          subjectKey,
          tenantId: model.tenantId,
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
  async version(ref: SubjectRef, modelVersion: string): Promise<RegisteredModel | undefined> {
    if (modelVersion === 'CURRENT') return undefined;
    const entry = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { subjectKey: registrySubjectKey(ref), modelVersion },
        ConsistentRead: true,
      }),
    );
    return withoutKey(entry.Item);
  }

  async current(ref: SubjectRef): Promise<RegisteredModel | undefined> {
    const subjectKey = registrySubjectKey(ref);
    const pointer = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { subjectKey, modelVersion: 'CURRENT' },
        ConsistentRead: true,
      }),
    );
    const version = pointer.Item?.currentVersion as string | undefined;
    if (!version) return undefined;
    const entry = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { subjectKey, modelVersion: version },
        ConsistentRead: true,
      }),
    );
    return withoutKey(entry.Item);
  }
}

function withoutKey(item: Record<string, unknown> | undefined): RegisteredModel | undefined {
  if (!item) return undefined;
  const { subjectKey: _key, ...model } = item;
  return model as unknown as RegisteredModel;
}
