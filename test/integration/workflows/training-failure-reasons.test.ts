import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUBJECT_ID_PATTERN } from '../../../events/identifiers.js';
import { ModelReady, TrainingFailed } from '../../../events/pipeline-events.js';
import type { LocalPipeline } from '../../../local/runtime/local-pipeline.js';
import { generateSampleSubjects } from '../../../local/samples/generate-sample-subjects.js';
import type { LocalTrainer } from '../../../local/stand-ins/async-training-endpoint.js';
import { inspectModelPackage } from '../../../local/stand-ins/model-package.js';
import { LocalPipelines } from '../../support/local-pipelines.js';

/**
 * Failure reasons that tell the truth, through the synthesized training workflow on the local engine: a valid
 * subject id of any length trains, and a failed training is explained by the container's own error body.
 */
describe('training failure reasons (synthesized definition, local engine)', () => {
  let samplesDir: string;
  let goodPhotos: string[];
  const pipelines = new LocalPipelines();

  async function drop(pipeline: LocalPipeline, subjectId: string) {
    for (const file of goodPhotos) {
      await pipeline.dropObject(
        `subjects/${subjectId}/${file}`,
        await readFile(join(samplesDir, 'good-ana', file)),
      );
    }
    await pipeline.dropObject(`subjects/${subjectId}/subject.json`, '{"classWord": "woman"}');
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
  }
  const detailOf = (pipeline: LocalPipeline, subjectId: string, type: string) =>
    pipeline.bus.published.find((e) => e.detail.subjectId === subjectId && e['detail-type'] === type)?.detail;

  /** A container that answers every training with one HTTP status and error body. */
  const failingContainer = (status: number, body: Record<string, unknown>) => (): LocalTrainer => ({
    performedBy: 'local-container',
    train: async () => ({ status, body: JSON.stringify(body) }),
  });

  beforeAll(async () => {
    samplesDir = await mkdtemp(join(tmpdir(), 'samples-'));
    const [ana] = await generateSampleSubjects(samplesDir, { subjects: ['good-ana'] });
    goodPhotos = (ana?.files ?? []).filter((f) => f.expected === 'good').map((f) => f.name);
  });
  afterAll(async () => {
    await pipelines.closeAll();
    await rm(samplesDir, { recursive: true, force: true });
  });

  it.each([
    ['the longest valid id (64 characters)', `a${'b'.repeat(62)}z`],
    ['a 35-character id with dots and dashes', 'team-7.subject_2024.ana-maria.lopez'],
  ])('trains and deploys a subject whose id is %s', async (_, subjectId) => {
    // Prepare
    expect(subjectId).toMatch(SUBJECT_ID_PATTERN);
    const pipeline = await pipelines.open();

    // Act
    await drop(pipeline, subjectId);

    // Assess
    expect(detailOf(pipeline, subjectId, 'Training Failed')).toBeUndefined();
    const ready = ModelReady.parse(detailOf(pipeline, subjectId, 'Model Ready'));
    const { metadata } = await inspectModelPackage(await pipeline.store.get(`models/${ready.targetModel}`));
    expect(metadata.subjectId).toBe(subjectId);
  });

  it.each([
    [
      500,
      { error: 'CUDA out of memory on a 24 GB GPU', errorType: 'OutOfMemoryError', retryable: true },
      true,
    ],
    [
      500,
      { error: 'the adapter could not be saved: disk full', errorType: 'PackagingError', retryable: false },
      false,
    ],
    [
      400,
      { error: 'maxTrainSteps 5000 is above 3000', errorType: 'InvalidRequest', retryable: false },
      false,
    ],
  ])('says what the container said: a %i answering %j is retryable=%s', async (status, body, retryable) => {
    // Prepare
    const pipeline = await pipelines.open({ trainer: failingContainer(status, body) });

    // Act
    await drop(pipeline, 'cleo');

    // Assess
    const failed = TrainingFailed.parse(detailOf(pipeline, 'cleo', 'Training Failed'));
    expect(failed.stage).toBe('Train');
    expect(failed.retryable).toBe(retryable);
    expect(failed.reason).toContain(body.error);
    expect(failed.reason).toContain(body.errorType);
    expect(failed.advice).toMatch(
      retryable ? /Nothing is wrong with the photos/ : /The training itself failed/,
    );
  });
});
