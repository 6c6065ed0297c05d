import { createHash } from 'node:crypto';
import { DRY_RUN_PERFORMER } from '../../events/run-mode.js';
import { ASYNC_OUTPUT_PREFIX } from '../platform/bucket-layout.js';
import { CONFIG_FILE, METADATA_FILE, PACKAGE_LAYOUT, tritonModelName } from '../platform/model-package.js';
import type { ObjectStore } from '../platform/object-store.js';
import { keyInBucket, s3Uri } from '../platform/s3-uri.js';
import { createTarGz } from '../platform/tar-archive.js';
import type { CallbackTokens } from './callback-tokens.js';
import { DryRunTrainingError } from './errors.js';
import type { TaskCallbacks } from './task-callbacks.js';
import { TrainingRequest, type TrainingResponse } from './training-request.js';

export interface DryRunTrainingDeps {
  store: ObjectStore;
  bucket: string;
  callbacks: TaskCallbacks;
  /** Where the adapter's digest is recorded, as the success callback records it for a live training. */
  tokens?: Pick<CallbackTokens, 'recordAdapterDigest'>;
}

/**
 * Trains nothing, at once: the dry run's stand-in for the asynchronous endpoint. It reads the same training
 * request and manifest the container would (so a request the container would refuse is refused here too), writes
 * an adapter package with the real layout (sagemaker/model-package-layout.json: a config.pbtxt naming the serving
 * image's backend, the manifest, no code) whose adapter is a text file saying it is a stand-in, where the container
 * writes the real one (DeployModel checks both the same way; no endpoint ever loads it), stores the response
 * where SageMaker stores it, and sends the Train state's task success itself, with the output the SNS callback
 * would send. DeployModel, RegisterModel and every event downstream then run exactly as they do live.
 */
export async function dryRunTraining(
  job: { inferenceId: string; taskToken: string; requestKey: string },
  deps: DryRunTrainingDeps,
): Promise<{ inferenceId: string }> {
  const request = TrainingRequest.safeParse(JSON.parse(await text(deps.store, job.requestKey)));
  if (!request.success) {
    throw new DryRunTrainingError(
      `The training request ${job.requestKey} does not follow the contract: ${request.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const { data } = request;
  const manifest = JSON.parse(await text(deps.store, keyInBucket(data.manifestUri, deps.bucket))) as {
    images?: unknown[];
  };
  const images = Array.isArray(manifest.images) ? manifest.images.length : 0;
  if (images === 0) throw new DryRunTrainingError(`The dataset manifest ${data.manifestUri} lists no images`);
  const name = tritonModelName(data.subjectId, data.modelVersion);
  const archive = await createTarGz([
    { path: `${name}/` },
    {
      path: `${name}/${CONFIG_FILE}`,
      body: Buffer.from(
        `# Dry run: no model was trained, and the dry-run endpoint answers for this model.\nname: "${name}"\nbackend: "${PACKAGE_LAYOUT.backend}"\n`,
      ),
    },
    { path: `${name}/1/` },
    {
      path: `${name}/${METADATA_FILE}`,
      body: Buffer.from(
        `${JSON.stringify({ ...data, trainedBy: DRY_RUN_PERFORMER, trainingImages: images }, null, 2)}\n`,
      ),
    },
    { path: `${name}/1/adapter/` },
    {
      path: `${name}/1/adapter/DRY-RUN-NOT-A-MODEL.txt`,
      body: Buffer.from(
        `Dry run: no DreamBooth training ran and no GPU was used. ${images} images checked.\n`,
      ),
    },
  ]);
  await deps.store.put(keyInBucket(data.outputUri, deps.bucket), archive, 'application/gzip');
  const response: TrainingResponse = {
    schemaVersion: 1,
    subjectId: data.subjectId,
    imageSetId: data.imageSetId,
    modelVersion: data.modelVersion,
    adapterPackageUri: data.outputUri,
    adapterBytes: archive.byteLength,
    baseModel: data.baseModel,
    hyperparameters: data.hyperparameters,
    timings: { downloadSeconds: 0, classImagesSeconds: 0, trainingSeconds: 0, packagingSeconds: 0 },
  };
  const outputKey = `${ASYNC_OUTPUT_PREFIX}${job.inferenceId}.out`;
  await deps.store.put(outputKey, JSON.stringify(response), 'application/json');
  const adapterSha256 = createHash('sha256').update(archive).digest('hex');
  await deps.tokens?.recordAdapterDigest(job.inferenceId, adapterSha256);
  await deps.callbacks.succeed(job.taskToken, {
    inferenceId: job.inferenceId,
    outputLocation: s3Uri(deps.bucket, outputKey),
    adapterSha256,
  });
  return { inferenceId: job.inferenceId };
}

async function text(store: ObjectStore, key: string): Promise<string> {
  return new TextDecoder().decode(await store.get(key));
}
