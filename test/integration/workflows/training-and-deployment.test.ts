import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelReady, TrainingFailed, TrainingStarted } from '../../../events/pipeline-events.js';
import { ModelRegistry } from '../../../functions/deployment/model-registry.js';
import { TrainingQueue } from '../../../functions/training/training-queue.js';
import type { LocalPipeline, LocalPipelineOptions } from '../../../local/runtime/local-pipeline.js';
import { environmentOf } from '../../../local/runtime/synthesized-pipeline.js';
import { generateSampleSubjects } from '../../../local/samples/generate-sample-subjects.js';
import { type LocalTrainer, StandInTrainer } from '../../../local/stand-ins/async-training-endpoint.js';
import { inspectModelPackage } from '../../../local/stand-ins/model-package.js';
import { LocalPipelines } from '../../support/local-pipelines.js';

/**
 * Training and deployment paths through the synthesized training state machine on the local engine: the Train
 * state waits for the async endpoint's SNS notification with a task token, exactly as on AWS.
 */
describe('training and deployment (synthesized definition, local engine)', () => {
  let samplesDir: string;
  let goodPhotos: string[];
  const pipelines = new LocalPipelines();

  /** Drops the good photos and a subject.json as `subjectId`: subject.json seals it at once. */
  /** A whole folder drop: its execution starts when the drop is over, as the settle period makes it on AWS. */
  async function drop(pipeline: LocalPipeline, subjectId: string) {
    pipeline.holdStarts();
    for (const file of goodPhotos) {
      await pipeline.dropObject(
        `subjects/${subjectId}/${file}`,
        await readFile(join(samplesDir, 'good-ana', file)),
      );
    }
    await pipeline.dropObject(`subjects/${subjectId}/subject.json`, '{"classWord": "woman"}');
    await pipeline.fastForwardQuietPeriods();
  }

  const eventsOf = (pipeline: LocalPipeline, subjectId: string) =>
    pipeline.bus.published.filter((e) => e.detail.subjectId === subjectId);
  const typesOf = (pipeline: LocalPipeline, subjectId: string) =>
    eventsOf(pipeline, subjectId).map((e) => e['detail-type']);

  /** A stand-in trainer that takes its time, so trainings overlap when capacity allows. */
  const slowTrainer =
    (ms: number): LocalPipelineOptions['trainer'] =>
    ({ store, bucket }) => {
      const inner = new StandInTrainer(store, bucket);
      return {
        performedBy: inner.performedBy,
        train: async (body: string) => {
          await new Promise((resolve) => setTimeout(resolve, ms));
          return inner.train(body);
        },
      } satisfies LocalTrainer;
    };

  beforeAll(async () => {
    samplesDir = await mkdtemp(join(tmpdir(), 'samples-'));
    const [ana] = await generateSampleSubjects(samplesDir, { subjects: ['good-ana'] });
    goodPhotos = (ana?.files ?? []).filter((f) => f.expected === 'good').map((f) => f.name);
  });

  afterAll(async () => {
    await pipelines.closeAll();
    await rm(samplesDir, { recursive: true, force: true });
  });

  it('trains, deploys, warms up and registers a good subject: Training Started then Model Ready', async () => {
    // Prepare
    const pipeline = await pipelines.open();
    // Act
    await drop(pipeline, 'ana');
    const [execution] = await pipeline.settled();
    // Assess
    expect(execution?.status).toBe('SUCCEEDED');
    expect(typesOf(pipeline, 'ana')).toEqual([
      'Subject Received',
      'Subject Accepted',
      'Training Started',
      'Model Ready',
      'Avatars Ready',
    ]);
    const started = TrainingStarted.parse(eventsOf(pipeline, 'ana')[2]?.detail);
    const ready = ModelReady.parse(eventsOf(pipeline, 'ana')[3]?.detail);
    expect(started).toMatchObject({
      trainedBy: 'local-stand-in',
      hyperparameters: { resolution: 512, maxTrainSteps: 1000 },
    });
    expect(ready).toMatchObject({
      modelVersion: started.modelVersion,
      targetModel: `default/ana/${started.modelVersion}.tar.gz`,
      servedBy: 'local-stand-in',
    });
    // The package is under the MME prefix with the Triton layout, and the model answered its warm-up.
    const { modelName } = await inspectModelPackage(await pipeline.store.get(`models/${ready.targetModel}`));
    expect(modelName).toMatch(/^avatar_ana_v-[a-f0-9]{12}_[a-f0-9]{8}$/);
    expect(
      pipeline.modelEndpoint.invocations.filter((t) => t === ready.targetModel).length,
    ).toBeGreaterThanOrEqual(2);
    const registry = new ModelRegistry(
      pipeline.db,
      environmentOf(pipeline.synthesized, 'registerModel').MODEL_REGISTRY_TABLE as string,
    );
    expect(await registry.current({ tenantId: 'default', subjectId: 'ana' })).toMatchObject({
      modelVersion: started.modelVersion,
      imageSetId: started.imageSetId,
    });
    expect(await queueOf(pipeline).holders()).toEqual([]);
  });

  it('ends a training the endpoint reports on its error topic in Training Failed, and frees the capacity', async () => {
    const pipeline = await pipelines.open({
      trainer: ({ store, bucket }) => new StandInTrainer(store, bucket, () => 'CUDA out of memory'),
    });
    await drop(pipeline, 'bea');
    const [execution] = await pipeline.settled();
    expect(execution).toMatchObject({ status: 'FAILED', error: 'TrainingFailed' });
    expect(typesOf(pipeline, 'bea')).toEqual([
      'Subject Received',
      'Subject Accepted',
      'Training Started',
      'Training Failed',
    ]);
    const failed = TrainingFailed.parse(eventsOf(pipeline, 'bea')[3]?.detail);
    expect(failed.stage).toBe('Train');
    expect(failed.reason).toContain('Received server error (500) from model');
    expect(failed.modelVersion).toMatch(/^v-/);
    expect(await queueOf(pipeline).holders()).toEqual([]);
  });

  it('ends in Training Failed when the notification is lost, at the Train timeout, never waiting forever', async () => {
    const pipeline = await pipelines.open({
      context: { trainingTimeoutSeconds: 2, trainingInvocationTimeoutSeconds: 1 },
      trainingNotifications: 'lose',
    });
    await drop(pipeline, 'cal');
    const [execution] = await pipeline.settled();
    expect(execution?.status).toBe('FAILED');
    const failed = TrainingFailed.parse(eventsOf(pipeline, 'cal').at(-1)?.detail);
    expect(failed).toMatchObject({ stage: 'Train', retryable: true });
    expect(failed.reason).toMatch(/timed out/);
    expect(await queueOf(pipeline).holders()).toEqual([]);
  });

  it('answers a notification that arrives after the timeout as stale, changing nothing', async () => {
    const logs: string[] = [];
    const pipeline = await pipelines.open({
      context: { trainingTimeoutSeconds: 1, trainingInvocationTimeoutSeconds: 1 },
      trainer: slowTrainer(1500),
      log: (message) => logs.push(message),
    });
    await drop(pipeline, 'dan');
    await pipeline.settled();
    await new Promise((resolve) => setTimeout(resolve, 800));
    await pipeline.settled();
    expect(typesOf(pipeline, 'dan').at(-1)).toBe('Training Failed');
    expect(typesOf(pipeline, 'dan')).not.toContain('Model Ready');
    expect(logs.some((line) => /after the workflow stopped waiting/.test(line))).toBe(true);
  });

  it('ignores a duplicate notification: one Model Ready, one execution', async () => {
    const logs: string[] = [];
    const pipeline = await pipelines.open({
      trainingNotifications: 'duplicate',
      log: (message) => logs.push(message),
    });
    await drop(pipeline, 'eve');
    const executions = await pipeline.settled();
    expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED']);
    expect(typesOf(pipeline, 'eve').filter((t) => t === 'Model Ready')).toHaveLength(1);
    expect(pipeline.invocations.get('trainingCallback')).toBe(2);
    expect(logs.some((line) => /Duplicate notification ignored/.test(line))).toBe(true);
  });

  it('queues three subjects behind a capacity of one: all finish, in order, none trained twice', async () => {
    // Prepare: trainings take a while, so the second and third subjects must wait for the first
    const pipeline = await pipelines.open({ trainer: slowTrainer(300) });
    // Act
    for (const subjectId of ['fay', 'gus', 'hal']) await drop(pipeline, subjectId);
    const executions = await pipeline.settled();
    // Assess
    expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const started = pipeline.bus.published.filter((e) => e['detail-type'] === 'Training Started');
    expect(started.map((e) => e.detail.subjectId)).toEqual(['fay', 'gus', 'hal']);
    expect(TrainingStarted.parse(started[2]?.detail).queuedSeconds).toBeGreaterThan(0.3);
    for (const subjectId of ['fay', 'gus', 'hal']) {
      expect(typesOf(pipeline, subjectId).filter((t) => t === 'Model Ready')).toHaveLength(1);
    }
    expect(pipeline.trainingEndpoint.invocations).toHaveLength(3);
    expect(pipeline.trainingEndpoint.maxObservedConcurrency).toBe(1);
    expect(await queueOf(pipeline).holders()).toEqual([]);
  });
});

function queueOf(pipeline: LocalPipeline): TrainingQueue {
  return new TrainingQueue(
    pipeline.db,
    environmentOf(pipeline.synthesized, 'acquireTrainingSlot').TRAINING_STATE_TABLE as string,
  );
}
