import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ModelReady } from '../../../events/pipeline-events.js';
import { DEFAULT_HYPERPARAMETERS } from '../../../events/training-settings.js';
import { ModelRegistry, type RegisteredModel } from '../../../functions/deployment/model-registry.js';
import { registerModel } from '../../../functions/deployment/register-model.js';
import { registerModelTask } from '../../../functions/deployment/register-model.task.js';

const parseRegisterModelInput = registerModelTask.parse;

import { type LocalDynamo, startLocalDynamo } from '../../../local/runtime/local-dynamo.js';
import { modelRegistryTableDefinition } from '../../../local/runtime/table-definitions.js';
import type { RegisterModelInput } from '../../../state-machines/training/contract.js';

const TABLE = 'model-registry';
const T0 = Date.parse('2026-11-25T10:00:00.000Z');

/** What RegisterModel receives from the workflow: the plan's `started`, DeployModel's and WarmUpModel's results. */
function registerInput(modelVersion: string, subjectId = 'ana'): RegisterModelInput {
  return {
    started: {
      version: 1,
      tenantId: 'default',
      subjectId,
      imageSetId: 'is-0123456789abcdef',
      modelVersion,
      baseModel: 'stabilityai/stable-diffusion-2-1-base',
      hyperparameters: { ...DEFAULT_HYPERPARAMETERS, maxTrainSteps: 1500 },
      trainedBy: 'amazon-sagemaker',
    },
    deployed: {
      targetModel: `default/${subjectId}/${modelVersion}.tar.gz`,
      modelKey: `models/default/${subjectId}/${modelVersion}.tar.gz`,
      adapterBytes: 52_428_800,
      trainingSeconds: 940.5,
      baseModel: 'stabilityai/stable-diffusion-2-1-base',
    },
    warmUp: { warmUpSeconds: 48.2 },
  };
}

describe('ModelRegistry and registerModel', () => {
  let dynamo: LocalDynamo;
  let registry: ModelRegistry;
  let clock: number;
  const deps = () => ({ registry, servedBy: 'amazon-sagemaker' as const, now: () => clock });

  beforeEach(async () => {
    dynamo = await startLocalDynamo([modelRegistryTableDefinition(TABLE)]);
    registry = new ModelRegistry(dynamo.db, TABLE);
    clock = T0;
  });
  afterEach(async () => {
    await dynamo.close();
  });

  it('writes the entry and the CURRENT pointer, and returns a Model Ready detail that follows the schema', async () => {
    // Act
    const ready = await registerModel(registerInput('v-0123456789ab'), deps());
    // Assess
    expect(ready).toEqual({
      version: 1,
      tenantId: 'default',
      subjectId: 'ana',
      imageSetId: 'is-0123456789abcdef',
      modelVersion: 'v-0123456789ab',
      targetModel: 'default/ana/v-0123456789ab.tar.gz',
      baseModel: 'stabilityai/stable-diffusion-2-1-base',
      adapterBytes: 52_428_800,
      trainingSeconds: 940.5,
      warmUpSeconds: 48.2,
      servedBy: 'amazon-sagemaker',
    });
    expect(ModelReady.parse(ready)).toEqual(ready);
    const items = await dynamo.db.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'subjectKey = :s',
        ExpressionAttributeValues: { ':s': 'default#ana' },
        ConsistentRead: true,
      }),
    );
    expect(items.Items).toEqual([
      {
        subjectKey: 'default#ana',
        tenantId: 'default',
        subjectId: 'ana',
        modelVersion: 'CURRENT',
        currentVersion: 'v-0123456789ab',
        targetModel: 'default/ana/v-0123456789ab.tar.gz',
        updatedAt: '2026-11-25T10:00:00.000Z',
      },
      {
        subjectKey: 'default#ana',
        tenantId: 'default',
        subjectId: 'ana',
        modelVersion: 'v-0123456789ab',
        imageSetId: 'is-0123456789abcdef',
        targetModel: 'default/ana/v-0123456789ab.tar.gz',
        artifactKey: 'models/default/ana/v-0123456789ab.tar.gz',
        baseModel: 'stabilityai/stable-diffusion-2-1-base',
        hyperparameters: { ...DEFAULT_HYPERPARAMETERS, maxTrainSteps: 1500 },
        adapterBytes: 52_428_800,
        trainingSeconds: 940.5,
        warmUpSeconds: 48.2,
        registeredAt: '2026-11-25T10:00:00.000Z',
      },
    ]);
  });

  it('answers current() with the latest registered version of the subject', async () => {
    // Prepare
    await registerModel(registerInput('v-0123456789ab'), deps());
    clock = T0 + 3_600_000;
    await registerModel(registerInput('v-ba9876543210'), deps());
    await registerModel(registerInput('v-cccccccccccc', 'bob'), deps());
    // Act
    const current = await registry.current({ tenantId: 'default', subjectId: 'ana' });
    // Assess
    expect(current).toEqual<RegisteredModel>({
      tenantId: 'default',
      subjectId: 'ana',
      modelVersion: 'v-ba9876543210',
      imageSetId: 'is-0123456789abcdef',
      targetModel: 'default/ana/v-ba9876543210.tar.gz',
      artifactKey: 'models/default/ana/v-ba9876543210.tar.gz',
      baseModel: 'stabilityai/stable-diffusion-2-1-base',
      hyperparameters: { ...DEFAULT_HYPERPARAMETERS, maxTrainSteps: 1500 },
      adapterBytes: 52_428_800,
      trainingSeconds: 940.5,
      warmUpSeconds: 48.2,
      registeredAt: '2026-11-25T11:00:00.000Z',
    });
    // The older version stays in the registry.
    const older = await dynamo.db.send(
      new GetCommand({
        TableName: TABLE,
        Key: { subjectKey: 'default#ana', modelVersion: 'v-0123456789ab' },
      }),
    );
    expect(older.Item?.registeredAt).toBe('2026-11-25T10:00:00.000Z');
    expect((await registry.current({ tenantId: 'default', subjectId: 'bob' }))?.modelVersion).toBe(
      'v-cccccccccccc',
    );
  });

  it('answers undefined for a subject without a model', async () => {
    // Act
    const current = await registry.current({ tenantId: 'default', subjectId: 'nobody' });
    // Assess
    expect(current).toBeUndefined();
  });

  it('is idempotent: registering the same version again rewrites the same entry', async () => {
    // Prepare
    await registerModel(registerInput('v-0123456789ab'), deps());
    // Act
    const again = await registerModel(registerInput('v-0123456789ab'), deps());
    // Assess
    expect(ModelReady.safeParse(again).success).toBe(true);
    const items = await dynamo.db.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'subjectKey = :s',
        ExpressionAttributeValues: { ':s': 'default#ana' },
        ConsistentRead: true,
      }),
    );
    expect(items.Count).toBe(2);
    expect((await registry.current({ tenantId: 'default', subjectId: 'ana' }))?.modelVersion).toBe(
      'v-0123456789ab',
    );
  });

  it('accepts the workflow payload through the RegisterModel parser, and refuses one without warmUp', () => {
    // Act
    const parsed = parseRegisterModelInput(JSON.parse(JSON.stringify(registerInput('v-0123456789ab'))));
    const refusing = () => {
      const { warmUp: _, ...withoutWarmUp } = registerInput('v-0123456789ab');
      return parseRegisterModelInput(withoutWarmUp);
    };
    // Assess
    expect(parsed).toEqual(registerInput('v-0123456789ab'));
    expect(refusing).toThrow(/RegisterModel received a malformed payload[\s\S]*warmUp/);
  });
});
