import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  SubjectAccepted,
  SubjectProcessingFailed,
  SubjectRejected,
} from '../../../events/pipeline-events.js';
import type { AnalysisImage, PhotoContext } from '../../../functions/task-registry.js';
import { FaceAnalysisUnavailableError } from '../../../functions/validation/errors.js';
import type { LocalPipeline } from '../../../local/runtime/local-pipeline.js';
import {
  assertRunnableLocally,
  UnsupportedByLocalEngineError,
} from '../../../local/runtime/synthesized-pipeline.js';
import {
  generateSampleSubjects,
  type SampleSubject,
} from '../../../local/samples/generate-sample-subjects.js';
import { SaliencyFaceAnalyzer } from '../../../local/stand-ins/face-analysis.js';
import { LocalPipelines } from '../../support/local-pipelines.js';

/**
 * Paths through the synthesized training state machine, run by the local engine with the real domain code:
 * the definition under test is the one CDK deploys.
 */
describe('training workflow (synthesized definition, local engine)', () => {
  let samplesDir: string;
  let samples: Map<string, SampleSubject>;
  const pipelines = new LocalPipelines();

  async function run(pipeline: LocalPipeline, subjectId: string) {
    await pipeline.dropFolder(subjectId, samples.get(subjectId)?.dir as string);
    await pipeline.fastForwardQuietPeriods();
    const executions = await pipeline.settled();
    const events = pipeline.bus.published.filter((e) => e.detail.subjectId === subjectId);
    return { executions, events, types: events.map((e) => e['detail-type']) };
  }

  beforeAll(async () => {
    samplesDir = await mkdtemp(join(tmpdir(), 'samples-'));
    const generated = await generateSampleSubjects(samplesDir, {
      subjects: ['good-ana', 'too-few-cam', 'mixed-dee'],
    });
    samples = new Map(generated.map((s) => [s.subjectId, s]));
  });

  afterAll(async () => {
    await pipelines.closeAll();
    await rm(samplesDir, { recursive: true, force: true });
  });

  it('accepts a good subject: Received then Accepted, with a 512 px training set and its manifest', async () => {
    // Prepare
    const pipeline = await pipelines.open();
    // Act
    const { executions, events, types } = await run(pipeline, 'good-ana');
    // Assess
    expect(types).toEqual([
      'Subject Received',
      'Subject Accepted',
      'Training Started',
      'Model Ready',
      'Avatars Ready',
    ]);
    expect(executions).toHaveLength(1);
    expect(executions[0]?.status).toBe('SUCCEEDED');
    const accepted = SubjectAccepted.parse(events[1]?.detail);
    expect(accepted.photosUsed).toHaveLength(12);
    expect(accepted.checks.faceAnalysis).toBe('local-stand-in');
    expect(accepted.trainingSet).toMatchObject({ resolution: 512, imageCount: 12 });
    expect(accepted.trainingSet.instancePrompt).toBe('a photo of zwx woman');
    const manifest = JSON.parse(
      new TextDecoder().decode(await pipeline.store.get(accepted.trainingSet.manifestKey)),
    );
    expect(manifest.images).toHaveLength(12);
    const crop = await sharp(await pipeline.store.get(manifest.images[0].key)).metadata();
    expect([crop.width, crop.height, crop.format]).toEqual([512, 512, 'jpeg']);
  });

  it('rejects a subject with too few photos, saying how many are needed', async () => {
    const pipeline = await pipelines.open();
    const { events, types, executions } = await run(pipeline, 'too-few-cam');
    expect(types).toEqual(['Subject Received', 'Subject Rejected']);
    expect(executions[0]?.status).toBe('SUCCEEDED');
    const rejected = SubjectRejected.parse(events[1]?.detail);
    expect(rejected).toMatchObject({ usablePhotoCount: 6, requiredPhotoCount: 10 });
    expect(`${rejected.reason} ${rejected.advice}`).toMatch(/4 more/);
  });

  it('excludes every unusable photo of a mixed folder by name, with its reason, and still accepts the subject', async () => {
    const pipeline = await pipelines.open();
    const { events, types } = await run(pipeline, 'mixed-dee');
    expect(types).toEqual([
      'Subject Received',
      'Subject Accepted',
      'Training Started',
      'Model Ready',
      'Avatars Ready',
    ]);
    const accepted = SubjectAccepted.parse(events[1]?.detail);
    const expectedProblems = (samples.get('mixed-dee')?.files ?? []).filter(
      (f) => !['good', 'junk', 'settings'].includes(f.expected),
    );
    const excluded = new Map(accepted.photosExcluded.map((p) => [p.fileName, p]));
    for (const file of expectedProblems) {
      expect({ file: file.name, code: excluded.get(file.name)?.code }).toEqual({
        file: file.name,
        code: file.expected,
      });
      expect(excluded.get(file.name)?.advice).toMatch(/\S/);
    }
  });

  it('rejects a subject whose subject.json is invalid, naming the file and the field, instead of guessing', async () => {
    // Prepare: good photos, but a typo in subject.json
    const pipeline = await pipelines.open();
    const folder = samples.get('good-ana')?.dir as string;
    for (const file of samples.get('good-ana')?.files ?? []) {
      if (file.expected === 'good')
        await pipeline.dropObject(`subjects/typo-fay/${file.name}`, await readFile(join(folder, file.name)));
    }
    // Act
    await pipeline.dropObject('subjects/typo-fay/subject.json', '{"classword": "woman"}');
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    // Assess
    const events = pipeline.bus.published.filter((e) => e.detail.subjectId === 'typo-fay');
    expect(events.map((e) => e['detail-type'])).toEqual(['Subject Received', 'Subject Rejected']);
    const rejected = SubjectRejected.parse(events[1]?.detail);
    expect(rejected.reason).toContain('subjects/typo-fay/subject.json has invalid settings');
    expect(rejected.reason).toContain('classword');
    // Refused before any photo is analysed: no Rekognition call for settings that can never be served.
    expect(rejected.usablePhotoCount).toBe(0);
    expect(rejected.checks.note).toContain('No photo was analysed');
  });

  it('retries ValidateImages while Rekognition is unavailable, then publishes a processing failure a person can act on', async () => {
    // Prepare: a face analyzer that is always throttled
    let calls = 0;
    const throttled = {
      performedBy: 'amazon-rekognition' as const,
      detectFaces: async () => {
        calls++;
        throw new FaceAnalysisUnavailableError(
          'Rekognition DetectFaces: ThrottlingException (Rate exceeded)',
        );
      },
    };
    const pipeline = await pipelines.open({
      ports: (local) => ({ ...local, faceAnalyzer: () => throttled }),
    });
    // Act
    const { events, types, executions } = await run(pipeline, 'good-ana');
    // Assess
    expect(types).toEqual(['Subject Received', 'Subject Processing Failed']);
    expect(pipeline.invocations.get('validateImages')).toBe(4);
    expect(calls).toBeGreaterThanOrEqual(4);
    const failed = SubjectProcessingFailed.parse(events[1]?.detail);
    expect(failed).toMatchObject({ stage: 'ValidateImages', error: 'FaceAnalysisUnavailableError' });
    expect(failed.cause).toContain('ThrottlingException');
    expect(executions[0]).toMatchObject({ status: 'FAILED', error: 'SubjectProcessingFailed' });
  });

  it('recovers when the service comes back within the retries', async () => {
    // Prepare: the service fails on one photo in the first two invocations (each analyses every photo), then answers
    let failuresLeft = 2;
    let failingKey: string | undefined;
    const analyzer = new SaliencyFaceAnalyzer();
    const flaky = {
      performedBy: analyzer.performedBy,
      detectFaces: async (image: AnalysisImage, photo: PhotoContext) => {
        failingKey ??= photo.key;
        if (photo.key === failingKey && failuresLeft-- > 0)
          throw new FaceAnalysisUnavailableError('Rekognition: InternalServerError');
        return analyzer.detectFaces(image);
      },
    };
    const pipeline = await pipelines.open({ ports: (local) => ({ ...local, faceAnalyzer: () => flaky }) });
    // Act
    const { types } = await run(pipeline, 'good-ana');
    // Assess
    expect(types).toEqual([
      'Subject Received',
      'Subject Accepted',
      'Training Started',
      'Model Ready',
      'Avatars Ready',
    ]);
    expect(pipeline.invocations.get('validateImages')).toBe(3);
  });

  it('refuses a definition that uses what the local engine would silently ignore', () => {
    for (const definition of [
      { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Succeed' } } },
      { StartAt: 'A', States: { A: { Type: 'Pass', Assign: { x: 1 }, End: true } } },
      {
        StartAt: 'M',
        States: { M: { Type: 'Map', ItemReader: { Resource: 'arn:aws:states:::s3:getObject' } } },
      },
      {
        StartAt: 'T',
        States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:x', ResultPath: '$', End: true } },
      },
    ]) {
      expect(() => assertRunnableLocally(definition)).toThrow(UnsupportedByLocalEngineError);
    }
  });
});
