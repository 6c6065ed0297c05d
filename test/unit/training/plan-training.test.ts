import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZodError } from 'zod';
import { TrainingStarted } from '../../../events/pipeline-events.js';
import { DEFAULT_HYPERPARAMETERS } from '../../../events/training-settings.js';
import { FolderObjectStore } from '../../../functions/platform/folder-object-store.js';
import { type PlanTrainingDeps, planTraining } from '../../../functions/training/plan-training.js';
import { planTrainingTask } from '../../../functions/training/plan-training.task.js';

const parsePlanTrainingInput = planTrainingTask.parse;

import { TrainingRequest } from '../../../functions/training/training-request.js';

describe('planTraining', () => {
  let dir: string;
  let deps: PlanTrainingDeps & { store: FolderObjectStore };

  const input = {
    tenantId: 'default',
    subjectId: 'ana',
    imageSetId: 'is-0123456789abcdef',
    manifestKey: 'training/default/ana/is-0123456789abcdef/manifest.json',
    settings: { classWord: 'woman', training: { maxTrainSteps: 1500, learningRate: 5e-5 } },
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plan-training-'));
    deps = {
      store: new FolderObjectStore(dir),
      bucket: 'photo-bucket',
      baseModel: 'stabilityai/stable-diffusion-2-1-base',
      trainedBy: 'local-stand-in',
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const readRequest = async (key: string) => readFile(join(dir, ...key.split('/')), 'utf8');

  it('writes the training request: manifest, adapter output, defaults with the subject overrides', async () => {
    // Act
    const plan = await planTraining(input, deps);
    // Assess
    expect(plan.modelVersion).toMatch(/^v-[0-9a-f]{12}$/);
    expect(plan.requestKey).toBe(
      `training/default/ana/is-0123456789abcdef/requests/${plan.modelVersion}.json`,
    );
    const written = JSON.parse(await readRequest(plan.requestKey));
    expect(written).toEqual({
      schemaVersion: 1,
      tenantId: 'default',
      subjectId: 'ana',
      imageSetId: 'is-0123456789abcdef',
      modelVersion: plan.modelVersion,
      manifestUri: 's3://photo-bucket/training/default/ana/is-0123456789abcdef/manifest.json',
      outputUri: `s3://photo-bucket/adapters/default/ana/${plan.modelVersion}/model.tar.gz`,
      baseModel: 'stabilityai/stable-diffusion-2-1-base',
      hyperparameters: { ...DEFAULT_HYPERPARAMETERS, maxTrainSteps: 1500, learningRate: 5e-5 },
    });
    expect(TrainingRequest.safeParse(written).success).toBe(true);
  });

  it('returns the Training Started detail (less queuedSeconds), valid against the event schema', async () => {
    // Act
    const plan = await planTraining(input, deps);
    // Assess
    expect(plan.started).toEqual({
      version: 1,
      tenantId: 'default',
      subjectId: 'ana',
      imageSetId: 'is-0123456789abcdef',
      modelVersion: plan.modelVersion,
      baseModel: 'stabilityai/stable-diffusion-2-1-base',
      hyperparameters: { ...DEFAULT_HYPERPARAMETERS, maxTrainSteps: 1500, learningRate: 5e-5 },
      trainedBy: 'local-stand-in',
    });
    expect(TrainingStarted.safeParse({ ...plan.started, queuedSeconds: 0 }).success).toBe(true);
  });

  it('gives the same version and the same bytes for the same inputs', async () => {
    // Act
    const first = await planTraining(input, deps);
    const firstBytes = await readRequest(first.requestKey);
    const second = await planTraining(structuredClone(input), deps);
    // Assess
    expect(second.modelVersion).toBe(first.modelVersion);
    expect(second.requestKey).toBe(first.requestKey);
    expect(await readRequest(second.requestKey)).toBe(firstBytes);
    expect((await deps.store.list('training/')).map((o) => o.key)).toEqual([first.requestKey]);
  });

  it('gives the same version when the overrides are listed in another order or repeat a default', async () => {
    // Act
    const reference = await planTraining(input, deps);
    const reordered = await planTraining(
      { ...input, settings: { training: { learningRate: 5e-5, seed: 42, maxTrainSteps: 1500 } } },
      deps,
    );
    // Assess
    expect(reordered.modelVersion).toBe(reference.modelVersion);
  });

  it('gives another version for other overrides, another image set or another base model', async () => {
    // Act
    const reference = await planTraining(input, deps);
    const otherSteps = await planTraining(
      { ...input, settings: { training: { maxTrainSteps: 1600 } } },
      deps,
    );
    const defaults = await planTraining({ ...input, settings: {} }, deps);
    const otherSet = await planTraining({ ...input, imageSetId: 'is-fedcba9876543210' }, deps);
    const otherBase = await planTraining(input, { ...deps, baseModel: 'runwayml/stable-diffusion-v1-5' });
    // Assess
    const versions = [reference, otherSteps, defaults, otherSet, otherBase].map((p) => p.modelVersion);
    expect(new Set(versions).size).toBe(5);
    expect(JSON.parse(await readRequest(defaults.requestKey)).hyperparameters).toEqual(
      DEFAULT_HYPERPARAMETERS,
    );
  });

  it.each([
    ['maxTrainSteps', { maxTrainSteps: 5000 }],
    ['resolution', { resolution: 500 }],
    ['learningRate', { learningRate: 0.1 }],
    ['loraRank', { loraRank: 2 }],
    ['mixedPrecision', { mixedPrecision: 'fp8' }],
  ])(
    'refuses an out-of-bounds override of %s, naming the field, and writes nothing',
    async (field, training) => {
      // Act
      const planning = planTraining({ ...input, settings: { training } }, deps);
      // Assess
      const error = await planning.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ZodError);
      expect((error as ZodError).issues.map((issue) => issue.path)).toEqual([['training', field]]);
      expect(await deps.store.list('')).toEqual([]);
    },
  );

  it('refuses an unknown hyperparameter (a typo) instead of ignoring it', async () => {
    // Act
    const planning = planTraining({ ...input, settings: { training: { maxTrainStep: 1500 } } }, deps);
    // Assess
    await expect(planning).rejects.toThrow(/maxTrainStep/);
  });

  it('refuses a task payload without manifestKey, naming the task and the field', () => {
    // Act
    const parsing = () =>
      parsePlanTrainingInput({ tenantId: 'default', subjectId: 'ana', imageSetId: 'is-0123456789abcdef' });
    // Assess
    expect(parsing).toThrow(/PlanTraining received a malformed payload[\s\S]*manifestKey/);
  });
});
