import sharp from 'sharp';
import {
  AvatarsReady,
  ModelReady,
  SubjectProcessingFailed,
  TrainingStarted,
} from '../../../events/pipeline-events.js';
import { FaceAnalysisUnavailableError } from '../../../functions/validation/errors.js';
import { LocalPipelines } from '../../support/local-pipelines.js';
import { goodSamplePhotos, type SamplePhoto } from '../../support/sample-photos.js';

/**
 * Dry-run mode through the synthesized workflows: the same states run, the stand-in trainer answers the Train
 * task itself and the stand-in generator serves the model, so neither endpoint is ever invoked; every event of
 * the subject says `dry-run` and names the stand-in as the performer.
 */
describe('dry-run mode (synthesized definitions, local engine)', () => {
  let photos: SamplePhoto[];
  let removeSamples: () => Promise<void>;
  const pipelines = new LocalPipelines();

  beforeAll(async () => {
    ({ photos: photos, remove: removeSamples } = await goodSamplePhotos('dry-run-'));
  });
  afterAll(async () => {
    await pipelines.closeAll();
    await removeSamples();
  });

  it('trains and generates with the stand-ins, invokes no endpoint, and every event says dry-run', async () => {
    // Prepare
    const pipeline = await pipelines.open();
    const folder = 'tenants/acme/subjects/ana/';
    await pipeline.dropObject(`${folder}subject.json`, JSON.stringify({ mode: 'dry-run' }));
    for (const photo of photos) await pipeline.dropObject(`${folder}${photo.name}`, photo.body);
    // Act
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    // Assess
    const ofType = (type: string) => pipeline.bus.published.filter((e) => e['detail-type'] === type);
    const started = TrainingStarted.parse(ofType('Training Started')[0]?.detail);
    expect(started).toMatchObject({ mode: 'dry-run', trainedBy: 'dry-run-stand-in' });
    const ready = ModelReady.parse(ofType('Model Ready')[0]?.detail);
    expect(ready).toMatchObject({ tenantId: 'acme', mode: 'dry-run', servedBy: 'dry-run-stand-in' });
    const avatars = AvatarsReady.parse(ofType('Avatars Ready')[0]?.detail);
    expect(avatars).toMatchObject({ mode: 'dry-run', generatedBy: 'dry-run-stand-in' });
    expect(avatars.counts.imagesDelivered).toBeGreaterThan(0);
    const first = avatars.prompts.flatMap((prompt) => prompt.delivered)[0];
    const image = await sharp(await pipeline.store.get(first?.key ?? '')).metadata();
    expect(image).toMatchObject({ format: 'png', width: 256, height: 256 });
    expect(pipeline.trainingEndpoint.invocations).toEqual([]);
    expect(pipeline.modelEndpoint.invocations).toEqual([]);
    for (const event of pipeline.bus.published) {
      expect({ type: event['detail-type'], mode: event.detail.mode }).toEqual({
        type: event['detail-type'],
        mode: 'dry-run',
      });
    }
  });

  it('says dry-run on a processing failure after the set was received, and nothing on a live one', async () => {
    // Prepare: photo analysis that is always unavailable, so ValidateImages fails after its retries
    const unavailable = {
      performedBy: 'amazon-rekognition' as const,
      detectFaces: async () => {
        throw new FaceAnalysisUnavailableError(
          'Rekognition DetectFaces: ThrottlingException (Rate exceeded)',
        );
      },
    };
    const pipeline = await pipelines.open({
      ports: (local) => ({ ...local, faceAnalyzer: () => unavailable }),
    });
    await pipeline.dropObject('subjects/dry/subject.json', JSON.stringify({ mode: 'dry-run' }));
    for (const photo of photos) {
      await pipeline.dropObject(`subjects/dry/${photo.name}`, photo.body);
      await pipeline.dropObject(`subjects/live/${photo.name}`, photo.body);
    }
    // Act
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    // Assess
    const failures = pipeline.bus.published
      .filter((e) => e['detail-type'] === 'Subject Processing Failed')
      .map((e) => SubjectProcessingFailed.parse(e.detail));
    const bySubject = Object.fromEntries(failures.map((f) => [f.subjectId, f]));
    expect(failures).toHaveLength(2);
    expect(bySubject.dry).toMatchObject({ mode: 'dry-run', stage: 'ValidateImages' });
    expect(bySubject.live).toMatchObject({ stage: 'ValidateImages' });
    expect(bySubject.live?.mode).toBeUndefined();
  });

  it('serves a live model in a dry run when a request asks for one, and says so', async () => {
    // Prepare
    const pipeline = await pipelines.open();
    for (const photo of photos) await pipeline.dropObject(`subjects/ana/${photo.name}`, photo.body);
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    const liveInvocations = pipeline.modelEndpoint.invocations.length;
    // Act
    await pipeline.bus.putEvents([
      {
        Source: 'partner.example.games',
        DetailType: 'Avatar Generation Requested',
        Detail: JSON.stringify({ version: 1, subjectId: 'ana', prompts: ['a portrait'], mode: 'dry-run' }),
      },
    ]);
    await pipeline.settled();
    // Assess
    const avatars = pipeline.bus.published
      .filter((e) => e['detail-type'] === 'Avatars Ready')
      .map((e) => AvatarsReady.parse(e.detail));
    expect(avatars.map((a) => a.mode ?? 'live')).toEqual(['live', 'dry-run']);
    expect(avatars[0]).not.toHaveProperty('mode');
    expect(avatars[1]).toMatchObject({ requestedBy: 'partner', generatedBy: 'dry-run-stand-in' });
    expect(pipeline.modelEndpoint.invocations).toHaveLength(liveInvocations);
  });
});
