import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { CallbackTokens, MAX_INFERENCE_ID_BYTES } from '../../../functions/training/callback-tokens.js';
import type { TaskCallbacks } from '../../../functions/training/task-callbacks.js';
import {
  handleTrainingNotification,
  type NotificationDeps,
} from '../../../functions/training/training-notification.js';
import { type LocalDynamo, startLocalDynamo } from '../../../local/runtime/local-dynamo.js';
import { trainingStateTableDefinition } from '../../../local/runtime/table-definitions.js';
import { awsEvent } from '../../support/aws-events.js';

const TABLE = 'training-state';
const T0 = Date.parse('2026-11-25T10:00:00.000Z');

/** Records what the workflow would have been told; answers 'stale' when told to, throws when told to. */
class RecordingCallbacks implements TaskCallbacks {
  readonly calls: (
    | { kind: 'succeed'; taskToken: string; output: unknown }
    | { kind: 'fail'; taskToken: string; error: string; cause: string }
  )[] = [];
  answer: 'sent' | 'stale' = 'sent';
  throwNext: Error | undefined;

  async succeed(taskToken: string, output: unknown) {
    this.calls.push({ kind: 'succeed', taskToken, output });
    return this.reply();
  }
  async fail(taskToken: string, error: string, cause: string) {
    this.calls.push({ kind: 'fail', taskToken, error, cause });
    return this.reply();
  }
  private reply() {
    const error = this.throwNext;
    this.throwNext = undefined;
    if (error) return Promise.reject(error);
    return Promise.resolve(this.answer);
  }
}

let dynamo: LocalDynamo;
let clock: number;

beforeEach(async () => {
  dynamo = await startLocalDynamo([trainingStateTableDefinition(TABLE)]);
  clock = T0;
});
afterEach(async () => {
  await dynamo.close();
});

describe('CallbackTokens', () => {
  it('hands the remembered token to the first claim only', async () => {
    // Prepare
    const tokens = new CallbackTokens(dynamo.db, TABLE, () => clock);
    await tokens.remember(
      'v-0123456789ab-aaaa',
      { taskToken: 'token-1', executionName: 'exec-1', subjectId: 'ana' },
      3600,
    );
    // Act
    const first = await tokens.claim('v-0123456789ab-aaaa');
    const second = await tokens.claim('v-0123456789ab-aaaa');
    // Assess
    expect(first).toEqual({
      outcome: 'claimed',
      taskToken: 'token-1',
      executionName: 'exec-1',
      subjectId: 'ana',
      createdAt: T0,
    });
    expect(second).toEqual({ outcome: 'already-claimed' });
  });

  it('answers unknown for an inference it never remembered, and creates nothing', async () => {
    // Prepare
    const tokens = new CallbackTokens(dynamo.db, TABLE, () => clock);
    // Act
    const claim = await tokens.claim('never-started');
    // Assess
    expect(claim).toEqual({ outcome: 'unknown' });
    const item = await dynamo.db.send(
      new GetCommand({
        TableName: TABLE,
        Key: { pk: 'INFERENCE#never-started', sk: 'TOKEN' },
        ConsistentRead: true,
      }),
    );
    expect(item.Item).toBeUndefined();
  });

  it('stores the entry with its TTL from the injected clock, and the claim time', async () => {
    // Prepare
    const tokens = new CallbackTokens(dynamo.db, TABLE, () => clock);
    clock = T0 + 1_999; // fractions of a second are dropped from the epoch-seconds TTL
    // Act
    await tokens.remember(
      'inf-1',
      { taskToken: 'token-1', executionName: 'exec-1', subjectId: 'ana' },
      172_800,
    );
    clock = T0 + 60_000;
    await tokens.claim('inf-1');
    // Assess
    const item = await dynamo.db.send(
      new GetCommand({ TableName: TABLE, Key: { pk: 'INFERENCE#inf-1', sk: 'TOKEN' }, ConsistentRead: true }),
    );
    expect(item.Item).toEqual({
      pk: 'INFERENCE#inf-1',
      sk: 'TOKEN',
      taskToken: 'token-1',
      executionName: 'exec-1',
      subjectId: 'ana',
      status: 'claimed',
      createdAt: T0 + 1_999,
      claimedAt: T0 + 60_000,
      expiresAt: T0 / 1000 + 1 + 172_800,
    });
  });
});

describe('handleTrainingNotification', () => {
  const inferenceId = 'v-0123456789ab-5d41402abc4b';
  let tokens: CallbackTokens;
  let callbacks: RecordingCallbacks;
  let logged: { level: string; message: string; fields: Record<string, unknown> }[];
  let deps: NotificationDeps;

  /** A documented SageMaker async notification body, for our inference. */
  function body(
    name: 'sagemaker-async-success.json' | 'sagemaker-async-failure.json',
    id = inferenceId,
  ): string {
    const notification = awsEvent(name);
    notification.inferenceId = id;
    return JSON.stringify(notification);
  }

  beforeEach(async () => {
    tokens = new CallbackTokens(dynamo.db, TABLE, () => clock);
    callbacks = new RecordingCallbacks();
    logged = [];
    deps = { tokens, callbacks, log: (level, message, fields) => logged.push({ level, message, fields }) };
    await tokens.remember(
      inferenceId,
      { taskToken: 'task-token-1', executionName: 'exec-1', subjectId: 'ana' },
      3600,
    );
  });

  it('sends SendTaskSuccess with the inference id and output location of a Completed notification', async () => {
    // Act
    const outcome = await handleTrainingNotification(body('sagemaker-async-success.json'), deps);
    // Assess
    expect(outcome).toBe('task-succeeded');
    expect(callbacks.calls).toEqual([
      {
        kind: 'succeed',
        taskToken: 'task-token-1',
        output: { inferenceId, outputLocation: 's3://amzn-s3-demo-bucket/async-output/0b5a2f3e.out' },
      },
    ]);
  });

  it('sends SendTaskFailure TrainingEndpointFailed with the failure reason of a Failed notification', async () => {
    // Act
    const outcome = await handleTrainingNotification(body('sagemaker-async-failure.json'), deps);
    // Assess
    expect(outcome).toBe('task-failed');
    expect(callbacks.calls).toEqual([
      {
        kind: 'fail',
        taskToken: 'task-token-1',
        error: 'TrainingEndpointFailed',
        cause:
          'ClientError: Received server error (500) from model. See the SageMaker Endpoint logs in your account for more information.',
      },
    ]);
  });

  it('fails the task when a Completed notification has no output location', async () => {
    // Prepare
    const notification = awsEvent('sagemaker-async-success.json');
    notification.inferenceId = inferenceId;
    delete notification.responseParameters;
    // Act
    const outcome = await handleTrainingNotification(JSON.stringify(notification), deps);
    // Assess
    expect(outcome).toBe('task-failed');
    expect(callbacks.calls).toEqual([
      {
        kind: 'fail',
        taskToken: 'task-token-1',
        error: 'TrainingEndpointFailed',
        cause: 'The endpoint reported success without an output location',
      },
    ]);
  });

  it('answers duplicate to the same notification delivered twice, with one callback only', async () => {
    // Act
    const first = await handleTrainingNotification(body('sagemaker-async-success.json'), deps);
    const second = await handleTrainingNotification(body('sagemaker-async-success.json'), deps);
    // Assess
    expect([first, second]).toEqual(['task-succeeded', 'duplicate']);
    expect(callbacks.calls).toHaveLength(1);
  });

  it('sends one callback when the same notification arrives twice at once', async () => {
    // Act
    const outcomes = await Promise.all([
      handleTrainingNotification(body('sagemaker-async-success.json'), deps),
      handleTrainingNotification(body('sagemaker-async-success.json'), deps),
    ]);
    // Assess
    expect(outcomes.sort()).toEqual(['duplicate', 'task-succeeded']);
    expect(callbacks.calls).toHaveLength(1);
  });

  it('drops a notification for an inference it did not start: unknown-inference, no callback', async () => {
    // Act
    const outcome = await handleTrainingNotification(
      body('sagemaker-async-success.json', '11111111-2222-3333-4444-555555555555'),
      deps,
    );
    // Assess
    expect(outcome).toBe('unknown-inference');
    expect(callbacks.calls).toEqual([]);
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'warn',
        fields: { inferenceId: '11111111-2222-3333-4444-555555555555' },
      }),
    ]);
  });

  it.each([
    ['not JSON', '{"invocationStatus": "Completed", '],
    [
      'a body without inferenceId',
      JSON.stringify({ ...awsEvent('sagemaker-async-success.json'), inferenceId: undefined }),
    ],
    [
      'an unknown invocationStatus',
      JSON.stringify({ ...awsEvent('sagemaker-async-success.json'), invocationStatus: 'Running' }),
    ],
    ['JSON null', 'null'],
  ])('drops %s as malformed without throwing or calling back', async (_, message) => {
    // Act
    const outcome = await handleTrainingNotification(message, deps);
    // Assess
    expect(outcome).toBe('malformed');
    expect(callbacks.calls).toEqual([]);
    expect(logged).toEqual([expect.objectContaining({ level: 'error' })]);
    // The waiting token is untouched: the real notification still gets through.
    await expect(handleTrainingNotification(body('sagemaker-async-success.json'), deps)).resolves.toBe(
      'task-succeeded',
    );
  });

  it.each([
    ['ASCII', 'a'.repeat(MAX_INFERENCE_ID_BYTES + 1)],
    ['two-byte characters, fewer than 2048 of them', 'ë'.repeat(1020)],
  ])(
    'drops an inferenceId too long for a DynamoDB partition key (%s) as malformed, before DynamoDB sees it',
    async (_, id) => {
      // Act
      const outcome = await handleTrainingNotification(body('sagemaker-async-success.json', id), deps);
      // Assess
      expect(outcome).toBe('malformed');
      expect(callbacks.calls).toEqual([]);
      expect(logged).toEqual([
        expect.objectContaining({
          level: 'error',
          fields: expect.objectContaining({
            problem: expect.stringMatching(/Message\.inferenceId: longer than 2038 bytes/),
          }),
        }),
      ]);
    },
  );

  it('looks up an inferenceId of the longest length DynamoDB can hold as a key', async () => {
    // Prepare
    const longest = `${'ë'.repeat(1018)}ab`;
    expect(Buffer.byteLength(longest)).toBe(MAX_INFERENCE_ID_BYTES);
    // Act
    const outcome = await handleTrainingNotification(body('sagemaker-async-success.json', longest), deps);
    // Assess
    expect(outcome).toBe('unknown-inference');
  });

  it('answers stale-task when the workflow no longer waits for the token', async () => {
    // Prepare
    callbacks.answer = 'stale';
    // Act
    const outcome = await handleTrainingNotification(body('sagemaker-async-failure.json'), deps);
    // Assess
    expect(outcome).toBe('stale-task');
    expect(callbacks.calls).toHaveLength(1);
    expect(logged).toEqual([
      expect.objectContaining({ level: 'warn', fields: { inferenceId, executionName: 'exec-1' } }),
    ]);
  });

  /**
   * The token is claimed before SendTaskSuccess is sent. When sending fails with a transient error (throttling),
   * the error propagates so SNS/Lambda retry the notification, but the retry finds the token claimed, answers
   * 'duplicate' and never tells the workflow, which then waits for the Train state's timeout.
   */
  it('still delivers the result when the first SendTaskSuccess failed transiently and the notification is retried', async () => {
    // Prepare
    callbacks.throwNext = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    await expect(handleTrainingNotification(body('sagemaker-async-success.json'), deps)).rejects.toThrow(
      'Rate exceeded',
    );
    // Act: SNS / Lambda's asynchronous retry delivers the same notification again.
    const retried = await handleTrainingNotification(body('sagemaker-async-success.json'), deps);
    // Assess
    expect(retried).toBe('task-succeeded');
    expect(callbacks.calls).toHaveLength(2);
  });
});
