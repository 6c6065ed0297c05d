import type {
  PrepareTrainingSetInput,
  PrepareTrainingSetOutput,
} from '../../state-machines/training/contract.js';
import { manifestKey, trainingImageKey, trainingSetPrefix } from '../platform/bucket-layout.js';
import type { ObjectStore } from '../platform/object-store.js';
import { assertOwnedKeys } from '../platform/ownership.js';
import { cropTrainingImage } from './crop-training-image.js';
import { type DatasetManifest, datasetPrompts } from './dataset-manifest.js';
import type { TrainingSetPolicy } from './training-set-policy.js';

export interface PrepareTrainingSetDependencies {
  store: ObjectStore;
  policy: Pick<TrainingSetPolicy, 'resolution' | 'trainingPrefix'> &
    Partial<Pick<TrainingSetPolicy, 'maxPixels'>>;
}

/**
 * PrepareTrainingSet: face-centred square crops of the usable photos and the dataset manifest. Idempotent:
 * keys derive from the subject, the image set and the photo order, contents from the photos alone, and the
 * manifest is written last, so a retry after a partial run rewrites the same objects.
 */
export async function prepareTrainingSet(
  input: PrepareTrainingSetInput,
  deps: PrepareTrainingSetDependencies,
): Promise<PrepareTrainingSetOutput> {
  const { resolution, trainingPrefix } = deps.policy;
  const maxPixels = deps.policy.maxPixels ?? 50_000_000;
  assertOwnedKeys(
    input,
    input.photos.map((photo) => photo.key),
    { task: 'PrepareTrainingSet' },
  );
  const prefix = trainingSetPrefix(input, input.imageSetId, trainingPrefix);

  const images: DatasetManifest['images'] = [];
  // One at a time: 15 small crops take about a second, and memory stays at one photo.
  for (const [index, photo] of input.photos.entries()) {
    const body = await deps.store.get(photo.key);
    const crop = await cropTrainingImage(body, photo.faceBox, { resolution, maxPixels });
    const key = trainingImageKey(prefix, index);
    await deps.store.put(key, crop, 'image/jpeg');
    images.push({ key, sourceKey: photo.key });
  }

  const prompts = datasetPrompts(input.settings);
  const manifest: DatasetManifest = {
    schemaVersion: 1,
    subjectId: input.subjectId,
    imageSetId: input.imageSetId,
    resolution,
    ...prompts,
    images,
  };
  const key = manifestKey(prefix);
  await deps.store.put(key, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');

  return {
    trainingSet: { manifestKey: key, prefix, resolution, imageCount: images.length, ...prompts },
  };
}
