import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderObjectStore } from '../../../functions/platform/folder-object-store.js';
import { inspectModelPackage, tritonModelName } from '../../../functions/platform/model-package.js';
import { readTarGz } from '../../../functions/platform/tar-archive.js';
import type { CallbackTokens } from '../../../functions/training/callback-tokens.js';
import { DryRunTrainingError } from '../../../functions/training/errors.js';
import { planTraining } from '../../../functions/training/plan-training.js';
import { startTraining } from '../../../functions/training/start-training.js';
import type { TaskCallbacks } from '../../../functions/training/task-callbacks.js';
import { TrainingResponse } from '../../../functions/training/training-request.js';

/** Dry-run training: the Train task trains nothing, at once, and answers its own task token. */
describe('startTraining in a dry run', () => {
  let dir: string;
  let store: FolderObjectStore;
  const bucket = 'photo-bucket';
  const manifestKey = 'training/acme/ana/is-0123456789abcdef/manifest.json';
  const succeeded: { taskToken: string; output: unknown }[] = [];
  const callbacks: TaskCallbacks = {
    succeed: async (taskToken, output) => {
      succeeded.push({ taskToken, output });
      return 'sent';
    },
    fail: async () => 'sent',
  };
  const remembered: string[] = [];
  const digests: { id: string; digest: string }[] = [];
  const tokens = {
    remember: async (id: string) => {
      remembered.push(id);
    },
    recordFailureLocation: async () => undefined,
    recordAdapterDigest: async (id: string, digest: string) => {
      digests.push({ id, digest });
      return true;
    },
  } as unknown as CallbackTokens;
  const invokedAsync: string[] = [];
  const inference = {
    performedBy: 'amazon-sagemaker' as const,
    invokeAsync: async (request: { inferenceId: string }) => {
      invokedAsync.push(request.inferenceId);
      return { inferenceId: request.inferenceId };
    },
  };

  async function plan(settings: unknown) {
    return planTraining(
      { tenantId: 'acme', subjectId: 'ana', imageSetId: 'is-0123456789abcdef', manifestKey, settings },
      { store, bucket, baseModel: 'stabilityai/stable-diffusion-2-1-base', trainedBy: 'amazon-sagemaker' },
    );
  }

  const deps = () => ({
    tokens,
    inference,
    bucket,
    invocationTimeoutSeconds: 3600,
    tokenTtlSeconds: 86_400,
    dryRun: { store, bucket, callbacks },
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dry-run-training-'));
    store = new FolderObjectStore(dir);
    succeeded.length = 0;
    remembered.length = 0;
    digests.length = 0;
    invokedAsync.length = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('plans a dry run with its own model version and the stand-in named as the trainer', async () => {
    // Prepare
    await store.put(manifestKey, JSON.stringify({ images: [{}] }), 'application/json');
    // Act
    const live = await plan({});
    const dry = await plan({ mode: 'dry-run' });
    // Assess
    expect(live.mode).toBe('live');
    expect(live.started).not.toHaveProperty('mode');
    expect(live.started.trainedBy).toBe('amazon-sagemaker');
    expect(dry.mode).toBe('dry-run');
    expect(dry.started).toMatchObject({ mode: 'dry-run', trainedBy: 'dry-run-stand-in' });
  });

  it('writes a stand-in adapter and the response, sends the task success itself, and never calls SageMaker', async () => {
    // Prepare
    await store.put(manifestKey, JSON.stringify({ images: [{}, {}, {}] }), 'application/json');
    const planned = await plan({ mode: 'dry-run' });
    // Act
    const queued = await startTraining(
      {
        tenantId: 'acme',
        mode: 'dry-run',
        taskToken: 'token-1',
        executionName: 'acme--ana-1',
        subjectId: 'ana',
        modelVersion: planned.modelVersion,
        requestKey: planned.requestKey,
      },
      deps(),
    );
    // Assess
    expect(invokedAsync).toEqual([]);
    expect(succeeded).toHaveLength(1);
    const output = succeeded[0]?.output as { inferenceId: string; outputLocation: string };
    expect(succeeded[0]?.taskToken).toBe('token-1');
    expect(output.inferenceId).toBe(queued.inferenceId);
    expect(output.outputLocation).toBe(`s3://${bucket}/async-inference/output/${queued.inferenceId}.out`);
    const response = TrainingResponse.parse(
      JSON.parse(Buffer.from(await store.get(`async-inference/output/${queued.inferenceId}.out`)).toString()),
    );
    expect(response.adapterPackageUri).toBe(
      `s3://${bucket}/adapters/acme/ana/${planned.modelVersion}/model.tar.gz`,
    );
    const entries = await readTarGz(
      await store.get(`adapters/acme/ana/${planned.modelVersion}/model.tar.gz`),
    );
    const model = tritonModelName('ana', planned.modelVersion);
    expect(entries.map((entry) => entry.path)).toContain(`${model}/1/adapter/DRY-RUN-NOT-A-MODEL.txt`);
    // The real layout, so DeployModel's package check passes for it as for a live training; no code in it.
    await expect(
      inspectModelPackage(await store.get(`adapters/acme/ana/${planned.modelVersion}/model.tar.gz`)),
    ).resolves.toMatchObject({ modelName: model, metadata: { trainedBy: 'dry-run-stand-in' } });
    expect(entries.filter((entry) => entry.path.endsWith('.py'))).toEqual([]);
    expect(remembered).toEqual([queued.inferenceId]);
    const sha = createHash('sha256')
      .update(await store.get(`adapters/acme/ana/${planned.modelVersion}/model.tar.gz`))
      .digest('hex');
    expect(digests).toEqual([{ id: queued.inferenceId, digest: sha }]);
    expect(output).toMatchObject({ adapterSha256: sha });
  });

  it('fails as the container would when the manifest lists no images, and sends no success', async () => {
    // Prepare
    await store.put(manifestKey, JSON.stringify({ images: [] }), 'application/json');
    const planned = await plan({ mode: 'dry-run' });
    const input = {
      tenantId: 'acme',
      mode: 'dry-run' as const,
      taskToken: 'token-2',
      executionName: 'acme--ana-2',
      subjectId: 'ana',
      modelVersion: planned.modelVersion,
      requestKey: planned.requestKey,
    };
    // Act
    const attempt = startTraining(input, deps());
    // Assess
    await expect(attempt).rejects.toThrow(DryRunTrainingError);
    await expect(startTraining(input, deps())).rejects.toThrow(/lists no images/);
    expect(succeeded).toEqual([]);
  });
});
