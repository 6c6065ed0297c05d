import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CopyObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { deployModel } from '../../../functions/deployment/deploy-model.js';
import { UnexpectedTrainingResponseError } from '../../../functions/deployment/errors.js';
import { InvalidS3UriError, ObjectNotFoundError } from '../../../functions/platform/errors.js';
import { FolderObjectStore } from '../../../functions/platform/folder-object-store.js';
import { S3ObjectStore } from '../../../functions/platform/s3-object-store.js';
import { createTarGz, readTarGz } from '../../../functions/platform/tar-archive.js';
import type { TrainingResponse } from '../../../functions/training/training-request.js';
import { buildModelPackage, tritonModelName } from '../../../local/stand-ins/model-package.js';

const BUCKET = 'photo-bucket';
const VERSION = 'v-0123456789ab';
const ADAPTER_KEY = `adapters/default/ana/${VERSION}/model.tar.gz`;
const OUTPUT_KEY = 'async-output/0b5a2f3e.out';
const OUTPUT_LOCATION = `s3://${BUCKET}/${OUTPUT_KEY}`;

/** The training container's response, as the sagemaker/training contract defines it. */
function trainingResponse(overrides: Partial<TrainingResponse> = {}): TrainingResponse {
  return {
    schemaVersion: 1,
    subjectId: 'ana',
    imageSetId: 'is-0123456789abcdef',
    modelVersion: VERSION,
    adapterPackageUri: `s3://${BUCKET}/${ADAPTER_KEY}`,
    adapterBytes: 12,
    baseModel: 'stabilityai/stable-diffusion-2-1-base',
    hyperparameters: { maxTrainSteps: 1000 },
    timings: { downloadSeconds: 3, classImagesSeconds: 40.5, trainingSeconds: 900, packagingSeconds: 2 },
    ...overrides,
  };
}

/** The package the training container writes for ana/VERSION (the stand-in's, with the same layout). */
const packageOf = (subjectId = 'ana') =>
  buildModelPackage({
    subjectId,
    modelVersion: VERSION,
    metadata: { subjectId, modelVersion: VERSION },
    adapterFiles: { 'pytorch_lora_weights.safetensors': 'weights' },
  });

/** The package with entries added or replaced (a body per path; a path ending in `/` is a folder). */
async function alteredPackage(changes: Record<string, string | undefined>): Promise<Uint8Array> {
  const entries = (await readTarGz(await packageOf())).filter((entry) => !(entry.path in changes));
  const added = Object.entries(changes).map(([path, body]) =>
    body === undefined ? { path } : { path, body: Buffer.from(body) },
  );
  return createTarGz([...entries, ...added]);
}

describe('deployModel', () => {
  let dir: string;
  let store: FolderObjectStore;
  let adapterBytes: Uint8Array;

  const deps = () => ({ store, bucket: BUCKET, modelsPrefix: 'models/' });
  const input = {
    tenantId: 'default',
    subjectId: 'ana',
    modelVersion: VERSION,
    outputLocation: OUTPUT_LOCATION,
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deploy-model-'));
    store = new FolderObjectStore(dir);
    adapterBytes = await packageOf();
    await store.put(ADAPTER_KEY, adapterBytes, 'application/gzip');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('copies the adapter package under the models prefix and names the TargetModel', async () => {
    // Prepare
    await store.put(OUTPUT_KEY, JSON.stringify(trainingResponse()), 'application/json');
    // Act
    const deployed = await deployModel(input, deps());
    // Assess
    expect(deployed).toEqual({
      targetModel: `default/ana/${VERSION}.tar.gz`,
      modelKey: `models/default/ana/${VERSION}.tar.gz`,
      adapterBytes: 12,
      trainingSeconds: 940.5,
      baseModel: 'stabilityai/stable-diffusion-2-1-base',
    });
    const copied = await readFile(join(dir, 'models', 'default', 'ana', `${VERSION}.tar.gz`));
    expect(new Uint8Array(copied)).toEqual(adapterBytes);
    expect((await store.head(ADAPTER_KEY)).etag).toBe((await store.head(deployed.modelKey)).etag);
  });

  it('is idempotent: deploying twice gives the same result and the same object', async () => {
    // Prepare
    await store.put(OUTPUT_KEY, JSON.stringify(trainingResponse()), 'application/json');
    // Act
    const first = await deployModel(input, deps());
    const second = await deployModel(input, deps());
    // Assess
    expect(second).toEqual(first);
    expect((await store.list('models/')).map((o) => o.key)).toEqual([`models/default/ana/${VERSION}.tar.gz`]);
  });

  it.each([
    [
      'another subject',
      { tenantId: 'default', subjectId: 'bob' },
      'is for bob/v-0123456789ab, not ana/v-0123456789ab',
    ],
    [
      'another version',
      { modelVersion: 'v-ffffffffffff' },
      'is for ana/v-ffffffffffff, not ana/v-0123456789ab',
    ],
  ])('refuses a response for %s, naming the location, and copies nothing', async (_, overrides, words) => {
    // Prepare
    await store.put(OUTPUT_KEY, JSON.stringify(trainingResponse(overrides)), 'application/json');
    // Act
    const deploying = deployModel(input, deps());
    // Assess
    await expect(deploying).rejects.toThrow(UnexpectedTrainingResponseError);
    await expect(deployModel(input, deps())).rejects.toThrow(
      `The training response at ${OUTPUT_LOCATION} ${words}`,
    );
    expect(await store.list('models/')).toEqual([]);
  });

  it.each([
    ['not JSON', 'Traceback (most recent call last): ...', /does not follow the contract: : Invalid input/],
    ['a response without timings', JSON.stringify({ ...trainingResponse(), timings: undefined }), /timings/],
    ['a negative adapter size', JSON.stringify(trainingResponse({ adapterBytes: -1 })), /adapterBytes/],
    [
      'an adapter URI that is not s3://',
      JSON.stringify(trainingResponse({ adapterPackageUri: '/opt/ml/model/model.tar.gz' })),
      /adapterPackageUri/,
    ],
  ])('refuses %s with UnexpectedTrainingResponseError naming the location', async (_, body, detail) => {
    // Prepare
    await store.put(OUTPUT_KEY, body, 'application/json');
    // Act
    const error = await deployModel(input, deps()).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    // Assess
    expect(error).toBeInstanceOf(UnexpectedTrainingResponseError);
    expect(error?.name).toBe('UnexpectedTrainingResponseError');
    expect(error?.message).toContain(
      `The training response at ${OUTPUT_LOCATION} does not follow the contract`,
    );
    expect(error?.message).toMatch(detail);
    expect(await store.list('models/')).toEqual([]);
  });

  it('refuses an output location in another bucket, naming it', async () => {
    // Prepare
    await store.put(OUTPUT_KEY, JSON.stringify(trainingResponse()), 'application/json');
    // Act
    const deploying = deployModel(
      { ...input, outputLocation: `s3://someone-elses-bucket/${OUTPUT_KEY}` },
      deps(),
    );
    // Assess
    await expect(deploying).rejects.toThrow(InvalidS3UriError);
    await expect(
      deployModel({ ...input, outputLocation: `s3://someone-elses-bucket/${OUTPUT_KEY}` }, deps()),
    ).rejects.toThrow(
      `"s3://someone-elses-bucket/${OUTPUT_KEY}" is not in the pipeline's bucket "${BUCKET}"`,
    );
    expect(await store.list('models/')).toEqual([]);
  });

  it('refuses an adapter package in another bucket', async () => {
    // Prepare
    const foreign = trainingResponse({ adapterPackageUri: `s3://someone-elses-bucket/${ADAPTER_KEY}` });
    await store.put(OUTPUT_KEY, JSON.stringify(foreign), 'application/json');
    // Act
    const deploying = deployModel(input, deps());
    // Assess
    await expect(deploying).rejects.toThrow(InvalidS3UriError);
    expect(await store.list('models/')).toEqual([]);
  });

  const model = tritonModelName('ana', VERSION);
  it.each([
    ['a model.py of its own', { [`${model}/1/model.py`]: 'import os' }, `carries code: ${model}/1/model.py`],
    [
      'a .py file deep in the adapter folder',
      { [`${model}/1/adapter/peft/sitecustomize.py`]: 'import os' },
      `carries code: ${model}/1/adapter/peft/sitecustomize.py`,
    ],
    [
      'its own Python backend stub',
      { [`${model}/triton_python_backend_stub`]: '#!/bin/sh' },
      `carries code: ${model}/triton_python_backend_stub`,
    ],
    [
      'a config.pbtxt naming the Python backend',
      { [`${model}/config.pbtxt`]: `name: "${model}"\nbackend: "python"\n` },
      'config.pbtxt names the backend "python", not "avatar_lora"',
    ],
    [
      'a config.pbtxt with an execution environment',
      {
        [`${model}/config.pbtxt`]: `name: "${model}"\nbackend: "avatar_lora"\nparameters: { key: "EXECUTION_ENV_PATH" value: { string_value: "$$TRITON_MODEL_DIRECTORY/env.tar.gz" } }\n`,
      },
      'config.pbtxt sets parameters, key, value, string_value',
    ],
    [
      'an entry the layout does not allow',
      { [`${model}/notes.md`]: 'hi' },
      `unexpected entry ${model}/notes.md`,
    ],
  ])('refuses a package that carries %s, naming it, and deploys nothing', async (_, changes, problem) => {
    // Prepare
    await store.put(OUTPUT_KEY, JSON.stringify(trainingResponse()), 'application/json');
    await store.put(ADAPTER_KEY, await alteredPackage(changes), 'application/gzip');
    // Act
    const error = await deployModel(input, deps()).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    // Assess
    expect(error).toBeInstanceOf(UnexpectedTrainingResponseError);
    expect(error?.message).toContain(`The adapter package ${ADAPTER_KEY} is not deployed: `);
    expect(error?.message).toContain(problem);
    expect(await store.list('models/')).toEqual([]);
  });

  it('refuses the package of another model and bytes that are not a package', async () => {
    // Prepare
    await store.put(OUTPUT_KEY, JSON.stringify(trainingResponse()), 'application/json');
    await store.put(ADAPTER_KEY, await packageOf('bob'), 'application/gzip');
    // Act
    const otherModel = deployModel(input, deps());
    // Assess
    await expect(otherModel).rejects.toThrow(
      `it holds the model ${tritonModelName('bob', VERSION)}, not ${model}, the one of ana/${VERSION}`,
    );
    await store.put(ADAPTER_KEY, new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]), 'application/gzip');
    await expect(deployModel(input, deps())).rejects.toThrow(/is not deployed: Not a gzip archive/);
    expect(await store.list('models/')).toEqual([]);
  });

  it('reports a missing response object as ObjectNotFoundError', async () => {
    // Act
    const deploying = deployModel(input, deps());
    // Assess
    await expect(deploying).rejects.toThrow(ObjectNotFoundError);
  });
});

describe('S3ObjectStore.copy', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());

  it('sends CopyObject within the bucket with the source key URL-encoded segment by segment', async () => {
    // Prepare
    s3.on(CopyObjectCommand).resolves({});
    const store = new S3ObjectStore(new S3Client({}), BUCKET);
    // Act
    await store.copy(
      'adapters/ana maría/v-0123456789ab/model+1.tar.gz',
      'models/ana maría/v-0123456789ab.tar.gz',
    );
    // Assess
    expect(s3).toHaveReceivedCommandTimes(CopyObjectCommand, 1);
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: BUCKET,
      Key: 'models/ana maría/v-0123456789ab.tar.gz',
      CopySource: `${BUCKET}/adapters/ana%20mar%C3%ADa/v-0123456789ab/model%2B1.tar.gz`,
    });
  });

  it('sends the plain key for the usual adapter layout', async () => {
    // Prepare
    s3.on(CopyObjectCommand).resolves({});
    const store = new S3ObjectStore(new S3Client({}), BUCKET);
    // Act
    await store.copy(ADAPTER_KEY, `models/default/ana/${VERSION}.tar.gz`);
    // Assess
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: BUCKET,
      Key: `models/default/ana/${VERSION}.tar.gz`,
      CopySource: `${BUCKET}/${ADAPTER_KEY}`,
    });
  });

  it('turns NoSuchKey into ObjectNotFoundError for the source key', async () => {
    // Prepare
    s3.on(CopyObjectCommand).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
    );
    const store = new S3ObjectStore(new S3Client({}), BUCKET);
    // Act
    const copying = store.copy(ADAPTER_KEY, 'models/x.tar.gz');
    // Assess
    await expect(copying).rejects.toThrow(new ObjectNotFoundError(ADAPTER_KEY));
  });

  it('lets other errors through', async () => {
    // Prepare
    s3.on(CopyObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const store = new S3ObjectStore(new S3Client({}), BUCKET);
    // Act
    const copying = store.copy(ADAPTER_KEY, 'models/x.tar.gz');
    // Assess
    await expect(copying).rejects.toThrow('Access Denied');
  });
});
