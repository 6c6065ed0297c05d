import {
  InvokeEndpointAsyncCommand,
  SageMakerRuntimeClient,
  ValidationError,
} from '@aws-sdk/client-sagemaker-runtime';
import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { type AsyncInference, SageMakerAsyncInference } from '../../../functions/training/async-inference.js';
import type { CallbackTokens } from '../../../functions/training/callback-tokens.js';
import { startTraining } from '../../../functions/training/start-training.js';
import { StepFunctionsTaskCallbacks } from '../../../functions/training/task-callbacks.js';
import type { StartTrainingInput } from '../../../state-machines/training/contract.js';

const sfn = mockClient(SFNClient);
const runtime = mockClient(SageMakerRuntimeClient);

describe('StepFunctionsTaskCallbacks', () => {
  beforeEach(() => sfn.reset());

  it('sends SendTaskSuccess with the output as a JSON string', async () => {
    // Prepare
    sfn.on(SendTaskSuccessCommand).resolves({});
    const callbacks = new StepFunctionsTaskCallbacks(new SFNClient({}));
    const output = {
      inferenceId: 'v-0123456789ab-aaaaaaaaaaaa',
      outputLocation: 's3://bucket/async-output/x.out',
    };
    // Act
    const sent = await callbacks.succeed('token-1', output);
    // Assess
    expect(sent).toBe('sent');
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'token-1',
      output: JSON.stringify(output),
    });
  });

  it('sends SendTaskFailure with error and cause cut to the Step Functions limits (256 / 32,768)', async () => {
    // Prepare
    sfn.on(SendTaskFailureCommand).resolves({});
    const callbacks = new StepFunctionsTaskCallbacks(new SFNClient({}));
    // Act
    const sent = await callbacks.fail('token-1', 'E'.repeat(300), 'c'.repeat(40_000));
    // Assess
    expect(sent).toBe('sent');
    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: 'token-1',
      error: 'E'.repeat(256),
      cause: 'c'.repeat(32_768),
    });
  });

  it('sends a short error and cause unchanged', async () => {
    // Prepare
    sfn.on(SendTaskFailureCommand).resolves({});
    const callbacks = new StepFunctionsTaskCallbacks(new SFNClient({}));
    // Act
    await callbacks.fail('token-1', 'TrainingEndpointFailed', 'Received server error (500) from model');
    // Assess
    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: 'token-1',
      error: 'TrainingEndpointFailed',
      cause: 'Received server error (500) from model',
    });
  });

  it.each([
    ['TaskTimedOut', new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'Task does not exist', $metadata: {} })],
    ['InvalidToken', new InvalidToken({ message: 'Invalid token', $metadata: {} })],
  ])('answers stale when Step Functions says %s', async (_, error) => {
    // Prepare
    sfn.on(SendTaskSuccessCommand).rejects(error);
    sfn.on(SendTaskFailureCommand).rejects(error);
    const callbacks = new StepFunctionsTaskCallbacks(new SFNClient({}));
    // Act
    const outcomes = [await callbacks.succeed('token-1', {}), await callbacks.fail('token-1', 'E', 'c')];
    // Assess
    expect(outcomes).toEqual(['stale', 'stale']);
  });

  it('rethrows any other error, so the notification is retried', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    sfn.on(SendTaskSuccessCommand).rejects(throttled);
    const callbacks = new StepFunctionsTaskCallbacks(new SFNClient({}));
    // Act
    const sending = callbacks.succeed('token-1', {});
    // Assess
    await expect(sending).rejects.toThrow('Rate exceeded');
  });
});

describe('SageMakerAsyncInference', () => {
  beforeEach(() => runtime.reset());

  it('queues the request with InvokeEndpointAsync: endpoint, input location, id, JSON, timeout', async () => {
    // Prepare
    runtime.on(InvokeEndpointAsyncCommand).resolves({
      InferenceId: 'v-0123456789ab-aaaaaaaaaaaa',
      OutputLocation: 's3://bucket/async-output/abc.out',
    });
    const inference = new SageMakerAsyncInference(new SageMakerRuntimeClient({}), 'training-endpoint');
    // Act
    const queued = await inference.invokeAsync({
      inferenceId: 'v-0123456789ab-aaaaaaaaaaaa',
      inputLocation: 's3://bucket/training/default/ana/is-0123456789abcdef/requests/v-0123456789ab.json',
      invocationTimeoutSeconds: 3600,
    });
    // Assess
    expect(queued).toEqual({
      inferenceId: 'v-0123456789ab-aaaaaaaaaaaa',
      outputLocation: 's3://bucket/async-output/abc.out',
    });
    expect(runtime).toHaveReceivedCommandTimes(InvokeEndpointAsyncCommand, 1);
    expect(runtime).toHaveReceivedCommandWith(InvokeEndpointAsyncCommand, {
      EndpointName: 'training-endpoint',
      InputLocation: 's3://bucket/training/default/ana/is-0123456789abcdef/requests/v-0123456789ab.json',
      InferenceId: 'v-0123456789ab-aaaaaaaaaaaa',
      ContentType: 'application/json',
      InvocationTimeoutSeconds: 3600,
    });
    expect(performedBy(inference)).toBe('amazon-sagemaker');
  });

  it('keeps the requested InferenceId when the response omits it', async () => {
    // Prepare
    runtime.on(InvokeEndpointAsyncCommand).resolves({});
    const inference = new SageMakerAsyncInference(new SageMakerRuntimeClient({}), 'training-endpoint');
    // Act
    const queued = await inference.invokeAsync({
      inferenceId: 'inf-1',
      inputLocation: 's3://b/k',
      invocationTimeoutSeconds: 60,
    });
    // Assess
    expect(queued).toEqual({ inferenceId: 'inf-1', outputLocation: undefined });
  });

  it('lets an endpoint error through (the Train state retries or fails on it)', async () => {
    // Prepare
    runtime
      .on(InvokeEndpointAsyncCommand)
      .rejects(new ValidationError({ message: 'Endpoint training-endpoint not found', $metadata: {} }));
    const inference = new SageMakerAsyncInference(new SageMakerRuntimeClient({}), 'training-endpoint');
    // Act
    const queued = inference.invokeAsync({
      inferenceId: 'i',
      inputLocation: 's3://b/k',
      invocationTimeoutSeconds: 1,
    });
    // Assess
    await expect(queued).rejects.toThrow('Endpoint training-endpoint not found');
  });
});

function performedBy(inference: AsyncInference) {
  return inference.performedBy;
}

describe('startTraining', () => {
  const input: StartTrainingInput = {
    taskToken: 'AQCEAAAAKgAAAAMAAAAAAAAAAeXample-token-1',
    executionName: 'ana-is-0123456789abcdef',
    tenantId: 'default',
    subjectId: 'ana',
    modelVersion: 'v-0123456789ab',
    requestKey: 'training/default/ana/is-0123456789abcdef/requests/v-0123456789ab.json',
  };

  /** Fakes that write every call into one shared journal, so the order of the two steps is visible. */
  function fakes() {
    const journal: { step: string; args: unknown[] }[] = [];
    const tokens = {
      remember: async (...args: unknown[]) => {
        journal.push({ step: 'remember', args });
      },
    } as unknown as CallbackTokens;
    const inference: AsyncInference = {
      performedBy: 'local-stand-in',
      invokeAsync: async (request) => {
        journal.push({ step: 'invokeAsync', args: [request] });
        return { inferenceId: request.inferenceId };
      },
    };
    return {
      journal,
      deps: {
        tokens,
        inference,
        bucket: 'photo-bucket',
        invocationTimeoutSeconds: 3600,
        tokenTtlSeconds: 172_800,
      },
    };
  }

  it('stores the task token before it queues the training, under the same InferenceId', async () => {
    // Prepare
    const { journal, deps } = fakes();
    // Act
    const { inferenceId } = await startTraining(input, deps);
    // Assess
    expect(inferenceId).toMatch(/^v-0123456789ab-[0-9a-f]{12}$/);
    expect(journal).toEqual([
      {
        step: 'remember',
        args: [
          inferenceId,
          {
            taskToken: input.taskToken,
            executionName: 'ana-is-0123456789abcdef',
            tenantId: 'default',
            subjectId: 'ana',
            modelVersion: input.modelVersion,
          },
          172_800,
        ],
      },
      {
        step: 'invokeAsync',
        args: [
          {
            inferenceId,
            inputLocation:
              's3://photo-bucket/training/default/ana/is-0123456789abcdef/requests/v-0123456789ab.json',
            invocationTimeoutSeconds: 3600,
          },
        ],
      },
    ]);
  });

  it('derives the InferenceId from the model version and a hash of the token', async () => {
    // Prepare
    const { deps } = fakes();
    // Act
    const first = await startTraining(input, deps);
    const sameToken = await startTraining(input, deps);
    const retryAttempt = await startTraining(
      { ...input, taskToken: 'AQCEAAAAKgAAAAMAAAAAAAAAAeXample-token-2' },
      deps,
    );
    const otherVersion = await startTraining({ ...input, modelVersion: 'v-ba9876543210' }, deps);
    // Assess
    expect(sameToken.inferenceId).toBe(first.inferenceId);
    expect(retryAttempt.inferenceId).not.toBe(first.inferenceId);
    expect(retryAttempt.inferenceId.startsWith('v-0123456789ab-')).toBe(true);
    expect(otherVersion.inferenceId).toBe(
      `v-ba9876543210-${first.inferenceId.slice('v-0123456789ab-'.length)}`,
    );
    // The token itself never appears in the id (it ends up in S3 object names and logs).
    expect(first.inferenceId).not.toContain('token');
  });

  it('does not queue a training when the token could not be stored', async () => {
    // Prepare
    const { journal, deps } = fakes();
    deps.tokens = {
      remember: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    } as unknown as CallbackTokens;
    // Act
    const starting = startTraining(input, deps);
    // Assess
    await expect(starting).rejects.toThrow('ProvisionedThroughputExceededException');
    expect(journal).toEqual([]);
  });
});
