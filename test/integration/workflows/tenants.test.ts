import { AvatarsReady, ModelReady } from '../../../events/pipeline-events.js';
import { LocalPipelines } from '../../support/local-pipelines.js';
import { goodSamplePhotos, type SamplePhoto } from '../../support/sample-photos.js';

/**
 * Tenants through the synthesized workflows on the local engine: subject ids are unique within a tenant only, so
 * the same id dropped by three tenants is three subjects, trained once each, whose objects, models and events
 * never meet.
 */
describe('tenants (synthesized definitions, local engine)', () => {
  let photos: SamplePhoto[];
  let removeSamples: () => Promise<void>;
  const pipelines = new LocalPipelines();

  beforeAll(async () => {
    ({ photos: photos, remove: removeSamples } = await goodSamplePhotos('tenants-'));
  });
  afterAll(async () => {
    await pipelines.closeAll();
    await removeSamples();
  });

  it('trains the same subject id of three tenants as three subjects, each under its own tenant', async () => {
    // Prepare
    const pipeline = await pipelines.open();
    const folders = {
      default: 'subjects/ana/',
      acme: 'tenants/acme/subjects/ana/',
      globex: 'tenants/globex/subjects/ana/',
    };
    // Act
    for (const folder of Object.values(folders)) {
      for (const photo of photos) await pipeline.dropObject(`${folder}${photo.name}`, photo.body);
    }
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    // Assess
    const ofType = (type: string) => pipeline.bus.published.filter((e) => e['detail-type'] === type);
    const ready = ofType('Model Ready').map((e) => ModelReady.parse(e.detail));
    expect(ready.map((r) => r.tenantId).sort()).toEqual(['acme', 'default', 'globex']);
    for (const model of ready) {
      expect(model.subjectId).toBe('ana');
      expect(model.targetModel.startsWith(`${model.tenantId}/ana/`)).toBe(true);
      expect(await pipeline.store.list(`models/${model.targetModel}`)).toHaveLength(1);
    }
    expect(new Set(ready.map((r) => r.targetModel)).size).toBe(3);
    for (const tenantId of Object.keys(folders)) {
      const training = await pipeline.store.list(`training/${tenantId}/ana/`);
      expect(training.length).toBeGreaterThan(0);
    }
    const avatars = ofType('Avatars Ready').map((e) => AvatarsReady.parse(e.detail));
    expect(avatars).toHaveLength(3);
    for (const set of avatars) {
      const keys = set.prompts.flatMap((prompt) => prompt.delivered.map((image) => image.key));
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((key) => key.startsWith(`avatars/${set.tenantId}/ana/`))).toBe(true);
    }
    const trainings = ofType('Training Started');
    expect(trainings).toHaveLength(3);
    for (const event of pipeline.bus.published)
      expect(event.detail.tenantId).toMatch(/^(default|acme|globex)$/);
  });
});
