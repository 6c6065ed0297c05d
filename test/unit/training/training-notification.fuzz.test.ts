import fc from 'fast-check';
import { type CallbackTokens, MAX_INFERENCE_ID_BYTES } from '../../../functions/training/callback-tokens.js';
import { MalformedTrainingNotificationError } from '../../../functions/training/errors.js';
import type { TaskCallbacks } from '../../../functions/training/task-callbacks.js';
import {
  type AsyncInferenceNotification,
  handleTrainingNotification,
  type NotificationOutcome,
  notificationMessagesOf,
  parseTrainingNotificationMessage,
} from '../../../functions/training/training-notification.js';
import { LocalTopic } from '../../../local/runtime/local-topic.js';
import { awsEvent } from '../../support/aws-events.js';
import { anyJson, applyMutation, awkwardString, mutationOf, RUNS, thrownBy } from '../../support/fuzz.js';

const success = awsEvent('sagemaker-async-success.json');
const failure = awsEvent('sagemaker-async-failure.json');
const snsEvent = awsEvent('sns-to-lambda.json');

/** Any text a topic could carry: arbitrary strings, arbitrary JSON, and the documented bodies mutated. */
const anyMessage = fc.oneof(
  awkwardString,
  anyJson.map((value) => JSON.stringify(value) ?? 'null'),
  fc
    .constantFrom(success, failure)
    .chain((body) => mutationOf(body).map((m) => JSON.stringify(applyMutation(body, m)))),
);

function parsedOrTypedError(
  message: unknown,
): AsyncInferenceNotification | MalformedTrainingNotificationError {
  try {
    const parsed = parseTrainingNotificationMessage(message);
    expect(['Completed', 'Failed']).toContain(parsed.invocationStatus);
    expect(Buffer.byteLength(parsed.inferenceId)).toBeGreaterThan(0);
    expect(Buffer.byteLength(parsed.inferenceId)).toBeLessThanOrEqual(MAX_INFERENCE_ID_BYTES);
    return parsed;
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedTrainingNotificationError);
    return error as MalformedTrainingNotificationError;
  }
}

describe('parseTrainingNotificationMessage, for any message', () => {
  it('gives a typed notification or a MalformedTrainingNotificationError', () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        // Act
        const outcome = parsedOrTypedError(message);
        // Assess
        if (outcome instanceof MalformedTrainingNotificationError)
          expect(outcome.message).toContain('Message');
      }),
      RUNS,
    );
  });

  it('names the changed field when a mutated documented body is refused', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(success, failure).chain((body) => mutationOf(body).map((m) => ({ body, m }))),
        ({ body, m }) => {
          // Act
          const outcome = parsedOrTypedError(JSON.stringify(applyMutation(body, m)));
          // Assess
          if (outcome instanceof MalformedTrainingNotificationError) {
            expect(outcome.message).toContain(['Message', ...m.path].join('.'));
          }
        },
      ),
      RUNS,
    );
  });

  it('takes an inferenceId exactly when DynamoDB can hold it as a key, whatever its characters', () => {
    const inferenceId = fc.oneof(
      awkwardString,
      fc.string({ unit: fc.constantFrom('a', 'ë', '日', '🙂'), minLength: 500, maxLength: 2100 }),
    );
    fc.assert(
      fc.property(inferenceId, (id) => {
        // Act
        const outcome = parsedOrTypedError(JSON.stringify({ ...success, inferenceId: id }));
        // Assess
        const fits = id.length > 0 && Buffer.byteLength(id) <= MAX_INFERENCE_ID_BYTES;
        expect(outcome instanceof MalformedTrainingNotificationError).toBe(!fits);
        if (!fits) expect((outcome as Error).message).toContain('Message.inferenceId');
      }),
      RUNS,
    );
  });
});

describe('handleTrainingNotification, for any message', () => {
  it('answers an outcome and never throws, and claims only ids DynamoDB can hold', async () => {
    // Prepare: tokens that hand out a token once per id, and a workflow that always listens
    const claimed = new Set<string>();
    const tokens = {
      claim: async (id: string) => {
        expect(Buffer.byteLength(id)).toBeLessThanOrEqual(MAX_INFERENCE_ID_BYTES);
        if (claimed.has(id)) return { outcome: 'already-claimed' as const };
        claimed.add(id);
        return { outcome: 'claimed' as const, taskToken: `token-${id}`, executionName: 'exec' };
      },
      unclaim: async () => {},
    } as unknown as CallbackTokens;
    const callbacks: TaskCallbacks = { succeed: async () => 'sent', fail: async () => 'sent' };
    const outcomes: NotificationOutcome[] = ['task-succeeded', 'task-failed', 'duplicate', 'malformed'];
    await fc.assert(
      fc.asyncProperty(anyMessage, async (message) => {
        // Act
        const outcome = await handleTrainingNotification(message, { tokens, callbacks, log: () => {} });
        // Assess
        expect(outcomes).toContain(outcome);
      }),
      RUNS,
    );
  });
});

describe('notificationMessagesOf, for any event', () => {
  it('gives the messages of the documented SNS -> Lambda event', () => {
    // Act
    const messages = notificationMessagesOf(snsEvent);
    // Assess
    expect(messages).toHaveLength(1);
    expect(parseTrainingNotificationMessage(messages[0])).toMatchObject({ invocationStatus: 'Completed' });
  });

  it('gives the message of the event the local topic delivers', async () => {
    // Prepare
    const topic = new LocalTopic('arn:aws:sns:eu-west-1:000000000000:training-success');
    const delivered: unknown[] = [];
    topic.subscribe(async (event) => delivered.push(event));
    // Act
    topic.publish(JSON.stringify(success));
    await topic.drained();
    // Assess
    expect(delivered.map(notificationMessagesOf)).toEqual([[JSON.stringify(success)]]);
  });

  it('gives a MalformedTrainingNotificationError for arbitrary JSON', () => {
    fc.assert(
      fc.property(anyJson, (event) => {
        // Act
        const error = thrownBy(() => notificationMessagesOf(event));
        // Assess
        expect(error).toBeInstanceOf(MalformedTrainingNotificationError);
      }),
      RUNS,
    );
  });

  it('gives strings or a MalformedTrainingNotificationError naming the changed field of a mutated event', () => {
    fc.assert(
      fc.property(mutationOf(snsEvent), (mutation) => {
        // Prepare
        const event = applyMutation(snsEvent, mutation);
        // Act
        let messages: string[] = [];
        const error = thrownBy(() => {
          messages = notificationMessagesOf(event);
        });
        // Assess
        if (error === undefined) {
          for (const message of messages) expect(typeof message).toBe('string');
        } else {
          expect(error).toBeInstanceOf(MalformedTrainingNotificationError);
          // Deleting the only record leaves an empty list, refused at the list.
          const last = mutation.path.at(-1) ?? '';
          const named =
            mutation.op === 'delete' && /^\d+$/.test(last) ? mutation.path.slice(0, -1) : mutation.path;
          expect((error as Error).message).toContain(named.join('.'));
        }
      }),
      RUNS,
    );
  });
});
