import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeEndpointAsyncCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { TrainingFailed } from '../../../events/pipeline-events.js';
import { FolderObjectStore } from '../../../functions/platform/folder-object-store.js';
import { SageMakerAsyncInference } from '../../../functions/training/async-inference.js';
import { CallbackTokens } from '../../../functions/training/callback-tokens.js';
import { explainFailedTraining } from '../../../functions/training/explain-training-failure.js';
import { startTraining } from '../../../functions/training/start-training.js';
import type { TaskCallbacks } from '../../../functions/training/task-callbacks.js';
import {
  parseTrainingFailureCause,
  trainingFailureCause,
} from '../../../functions/training/training-failure-cause.js';
import { handleTrainingNotification } from '../../../functions/training/training-notification.js';
import { type LocalDynamo, startLocalDynamo } from '../../../local/runtime/local-dynamo.js';
import { trainingStateTableDefinition } from '../../../local/runtime/table-definitions.js';
import type { FailedTrainingState } from '../../../state-machines/training/contract.js';
import { awsEvent } from '../../support/aws-events.js';

/**
 * `Training Failed` in the training container's own words: the callback passes the failure location along with
 * SageMaker's reason, and ExplainTrainingFailure reads the container's `{error, errorType, retryable}` there.
 */
const BUCKET = 'photos';
const SAGEMAKER_500 =
  'ClientError: Received server error (500) from model. See the SageMaker Endpoint logs in your account for more information.';
const FAILURE_KEY = 'async-inference/failures/v-0123456789ab-aaaa.error.out';

const failedState = (cause: string, error = 'TrainingEndpointFailed'): FailedTrainingState => ({
  received: { tenantId: 'default', subjectId: 'ana', imageSetId: 'is-0123456789abcdef' },
  plan: { modelVersion: 'v-0123456789ab' },
  failedStage: 'Train',
  failure: { Error: error, Cause: cause },
});

describe('explainFailedTraining with the container error body', () => {
  let root: string;
  let store: FolderObjectStore;
  const reader = () => ({ store, bucket: BUCKET });
  const withBody = (location = `s3://${BUCKET}/${FAILURE_KEY}`) =>
    failedState(trainingFailureCause({ failureReason: SAGEMAKER_500, failureLocation: location }));

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'failure-body-'));
    store = new FolderObjectStore(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it.each([
    [
      { error: 'resolution 1000 is not a multiple of 64', errorType: 'InvalidRequest', retryable: false },
      false,
    ],
    [{ error: 'CUDA out of memory', errorType: 'OutOfMemoryError', retryable: true }, true],
    [{ error: 'the manifest lists no images', errorType: 'DatasetError', retryable: false }, false],
    [{ error: 'base model download interrupted', retryable: true }, true],
  ])('lets the container decide: %j -> retryable %s, its message in the reason', async (body, retryable) => {
    // Prepare
    await store.put(FAILURE_KEY, JSON.stringify({ ...body, trace: 'ignored' }), 'application/json');

    // Act
    const detail = await explainFailedTraining(withBody(), reader);

    // Assess
    expect(TrainingFailed.parse(detail)).toEqual(detail);
    expect(detail.retryable).toBe(retryable);
    expect(detail.reason).toContain(body.error);
    if ('errorType' in body) expect(detail.reason).toContain(body.errorType);
    expect(detail.reason).not.toMatch(/could not be read/);
  });

  it.each([
    ['no body at the location', undefined, /could not be read/],
    ['a body that is not JSON', '<html>Internal error</html>', /not JSON/],
    ['a JSON body of another shape', JSON.stringify({ message: 'boom' }), /not the container's/],
  ])('falls back to SageMaker reason, and says so, for %s', async (_, body, why) => {
    // Prepare
    if (body !== undefined) await store.put(FAILURE_KEY, body, 'application/json');

    // Act
    const detail = await explainFailedTraining(withBody(), reader);

    // Assess
    expect(detail.retryable).toBe(true); // a container 500, as SageMaker words it
    expect(detail.reason).toContain('Received server error (500)');
    expect(detail.reason).toMatch(why);
    expect(detail.reason).toMatch(/could not be read/);
  });

  it.each([
    ['another bucket', `s3://elsewhere/${FAILURE_KEY}`],
    ['another prefix of our bucket', `s3://${BUCKET}/subjects/ana/photo.json`],
  ])('never reads a location in %s', async (_, location) => {
    // Prepare
    const key = location.slice(location.indexOf('/', 5) + 1);
    await store.put(key, JSON.stringify({ error: 'forged', retryable: false }), 'application/json');

    // Act
    const detail = await explainFailedTraining(withBody(location), reader);

    // Assess
    expect(detail.reason).not.toContain('forged');
    expect(detail.retryable).toBe(true);
  });

  it('reads nothing for a plain-text cause or another error, and never needs the bucket then', async () => {
    // Prepare
    const noReader = () => {
      throw new Error('the bucket is not needed');
    };

    // Act
    const plain = await explainFailedTraining(failedState(SAGEMAKER_500), noReader);
    const timeout = await explainFailedTraining(failedState('State timed out', 'States.Timeout'), noReader);

    // Assess
    expect(plain.reason).toBe(`The training endpoint reported a failure: ${SAGEMAKER_500}`);
    expect(timeout.retryable).toBe(true);
  });

  it('still explains the failure when the bucket is not configured, and says the body could not be read', async () => {
    // Act
    const detail = await explainFailedTraining(withBody(), () => {
      throw new Error('Environment variable PHOTO_BUCKET is not set');
    });

    // Assess
    expect(detail.reason).toMatch(/could not be read: Environment variable PHOTO_BUCKET/);
  });
});

describe('the failure location, from InvokeEndpointAsync to SendTaskFailure', () => {
  const TABLE = 'training-state';
  let dynamo: LocalDynamo;
  const runtime = mockClient(SageMakerRuntimeClient);

  beforeEach(async () => {
    dynamo = await startLocalDynamo([trainingStateTableDefinition(TABLE)]);
    runtime.reset();
  });
  afterEach(() => dynamo.close());

  it('records the FailureLocation InvokeEndpointAsync returns, and the callback passes it with the reason', async () => {
    // Prepare
    const failureLocation = `s3://${BUCKET}/async-inference/failures/abc-error.out`;
    runtime.on(InvokeEndpointAsyncCommand).resolves({
      InferenceId: 'ignored',
      OutputLocation: `s3://${BUCKET}/async-inference/output/abc.out`,
      FailureLocation: failureLocation,
    });
    const tokens = new CallbackTokens(dynamo.db, TABLE);
    const { inferenceId } = await startTraining(
      {
        tenantId: 'default',
        taskToken: 'token-1',
        executionName: 'exec-1',
        subjectId: 'ana',
        modelVersion: 'v-0123456789ab',
        requestKey: 'training/default/ana/is/requests/v.json',
      },
      {
        tokens,
        inference: new SageMakerAsyncInference(new SageMakerRuntimeClient({}), 'training-endpoint'),
        bucket: BUCKET,
        invocationTimeoutSeconds: 3600,
        tokenTtlSeconds: 90_000,
      },
    );
    const sent: { error: string; cause: string }[] = [];
    const callbacks: TaskCallbacks = {
      succeed: async () => 'sent',
      fail: async (_token, error, cause) => {
        sent.push({ error, cause });
        return 'sent';
      },
    };
    const notification = awsEvent<Record<string, unknown>>('sagemaker-async-failure.json');
    notification.inferenceId = inferenceId;

    // Act
    const outcome = await handleTrainingNotification(JSON.stringify(notification), {
      tokens,
      callbacks,
      log: () => {},
    });

    // Assess
    expect(runtime).toHaveReceivedCommandWith(InvokeEndpointAsyncCommand, {
      EndpointName: 'training-endpoint',
      InferenceId: inferenceId,
      InputLocation: `s3://${BUCKET}/training/default/ana/is/requests/v.json`,
    });
    expect(outcome).toBe('task-failed');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.error).toBe('TrainingEndpointFailed');
    expect(parseTrainingFailureCause(sent[0]?.cause)).toEqual({
      failureReason: SAGEMAKER_500,
      failureLocation,
      inferenceId,
    });
  });

  it('prefers a failure location the notification itself carries', async () => {
    // Prepare
    const tokens = new CallbackTokens(dynamo.db, TABLE);
    await tokens.remember('inf-1', { taskToken: 't', executionName: 'e', subjectId: 'ana' }, 3600);
    await tokens.recordFailureLocation('inf-1', `s3://${BUCKET}/async-inference/failures/recorded`);
    const causes: string[] = [];
    const notification = {
      ...awsEvent<Record<string, unknown>>('sagemaker-async-failure.json'),
      inferenceId: 'inf-1',
      responseParameters: { failureLocation: `s3://${BUCKET}/async-inference/failures/notified` },
    };

    // Act
    await handleTrainingNotification(JSON.stringify(notification), {
      tokens,
      callbacks: {
        succeed: async () => 'sent',
        fail: async (_t, _e, cause) => {
          causes.push(cause);
          return 'sent';
        },
      },
      log: () => {},
    });

    // Assess
    expect(parseTrainingFailureCause(causes[0])?.failureLocation).toBe(
      `s3://${BUCKET}/async-inference/failures/notified`,
    );
  });

  it('keeps a plain-text cause when no location is known, and caps it at the SendTaskFailure limit', () => {
    // Act / Assess
    expect(trainingFailureCause({ failureReason: SAGEMAKER_500 })).toBe(SAGEMAKER_500);
    expect(trainingFailureCause({ failureReason: 'x'.repeat(40_000) })).toHaveLength(32_768);
    expect(parseTrainingFailureCause(SAGEMAKER_500)).toBeUndefined();
    expect(parseTrainingFailureCause('{"errorMessage":"Lambda failed"}')).toBeUndefined();
  });
});
