import * as z from 'zod';
import { type TrainingCompleted, TrainingErrors } from '../../state-machines/training/contract.js';
import { deleteLateResults, isErasedTraining, type LateResultDeps } from '../erasure/late-results.js';
import { JSONStringified, SnsSchema } from '../platform/aws-event-schemas.js';
import { type CallbackTokens, MAX_INFERENCE_ID_BYTES } from './callback-tokens.js';
import { MalformedTrainingNotificationError } from './errors.js';
import { checkSuccess, type NotificationProvenance, topicProblem } from './notification-checks.js';
import type { TaskCallbacks } from './task-callbacks.js';
import { trainingFailureCause } from './training-failure-cause.js';

/**
 * The body an asynchronous inference endpoint publishes to its SuccessTopic / ErrorTopic, as the SageMaker
 * developer guide documents it ("Check prediction results"). It reaches us as a JSON string in an SNS record.
 */
export const AsyncInferenceNotification = z.object({
  invocationStatus: z.enum(['Completed', 'Failed']),
  // The id keys the waiting task token in DynamoDB (callback-tokens.ts): one the table cannot hold is malformed.
  inferenceId: z
    .string()
    .min(1)
    .refine((id) => Buffer.byteLength(id, 'utf8') <= MAX_INFERENCE_ID_BYTES, {
      message: `longer than ${MAX_INFERENCE_ID_BYTES} bytes of UTF-8, more than a DynamoDB partition key can hold`,
      abort: true,
    }),
  failureReason: z.string().optional(),
  requestParameters: z
    .object({ endpointName: z.string().optional(), inputLocation: z.string() })
    .partial()
    .optional(),
  responseParameters: z
    .object({ outputLocation: z.string().optional(), failureLocation: z.string().optional() })
    .partial()
    .optional(),
  eventName: z.string().optional(),
});
export type AsyncInferenceNotification = z.infer<typeof AsyncInferenceNotification>;

/** What SNS delivers to the callback function: Powertools' schema of the SNS -> Lambda event. */
export const TrainingNotificationEvent = SnsSchema;
/** A record's `Message`: the notification as a JSON string (Powertools' JSONStringified helper). */
const NotificationMessage = JSONStringified(AsyncInferenceNotification);

const describeIssues = (error: z.ZodError, root?: string) =>
  error.issues
    .map((i) => `${[...(root ? [root] : []), ...i.path.map(String)].join('.') || '(event)'}: ${i.message}`)
    .join('; ');

/**
 * Parses the body of one notification (the SNS `Message`).
 * @throws MalformedTrainingNotificationError naming the fields when it is not JSON or not a notification
 */
export function parseTrainingNotificationMessage(message: unknown): AsyncInferenceNotification {
  const parsed = NotificationMessage.safeParse(message);
  if (!parsed.success) {
    throw new MalformedTrainingNotificationError(
      `Not an async inference notification: ${describeIssues(parsed.error, 'Message')}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

/** One SNS record: the notification and the topic that delivered it (which may say what). */
export interface DeliveredNotification {
  message: string;
  topicArn: string;
}

/**
 * The records of an SNS -> Lambda event with their topics, checked against Powertools' SNS schema.
 * @throws MalformedTrainingNotificationError naming the fields when the event is not an SNS event
 */
export function deliveredNotificationsOf(event: unknown): DeliveredNotification[] {
  const parsed = TrainingNotificationEvent.safeParse(event);
  if (!parsed.success) {
    throw new MalformedTrainingNotificationError(
      `Not an SNS notification event: ${describeIssues(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  return parsed.data.Records.map((record) => ({
    message: record.Sns.Message,
    topicArn: record.Sns.TopicArn,
  }));
}

/**
 * The messages of an SNS -> Lambda event, checked against Powertools' SNS schema; each message is then
 * judged on its own by handleTrainingNotification (a malformed one is dropped, not thrown).
 * @throws MalformedTrainingNotificationError naming the fields when the event is not an SNS event
 */
export function notificationMessagesOf(event: unknown): string[] {
  const parsed = TrainingNotificationEvent.safeParse(event);
  if (!parsed.success) {
    throw new MalformedTrainingNotificationError(
      `Not an SNS notification event: ${describeIssues(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  return parsed.data.Records.map((record) => record.Sns.Message);
}

export type NotificationOutcome =
  | 'task-succeeded'
  | 'task-failed'
  | 'duplicate'
  | 'unknown-inference'
  | 'stale-task'
  | 'malformed'
  | 'refused'
  | 'erased';

export interface NotificationDeps {
  tokens: CallbackTokens;
  callbacks: TaskCallbacks;
  log: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
  /** Who may say what (issue 11): the topic must match the status, the result the plan. */
  provenance?: NotificationProvenance;
  /** Erasure: a training of a subject erased after it began has its results deleted, never answered as done. */
  erasure?: LateResultDeps;
}

/**
 * Turns one notification into SendTaskSuccess / SendTaskFailure. Duplicate, late, unknown and malformed
 * notifications are logged and dropped (never thrown: SNS would only redeliver them); a lost one ends in the
 * Train state's timeout, never in a workflow waiting forever.
 */
export async function handleTrainingNotification(
  message: string,
  deps: NotificationDeps,
  delivery: { topicArn?: string } = {},
): Promise<NotificationOutcome> {
  let notification: AsyncInferenceNotification;
  try {
    notification = parseTrainingNotificationMessage(message);
  } catch (error) {
    if (!(error instanceof MalformedTrainingNotificationError)) throw error;
    // Not the message itself: it names training requests and outputs by key (issue 11, logs without data).
    deps.log('error', 'Malformed async inference notification dropped', {
      problem: error.message,
      messageLength: message.length,
    });
    return 'malformed';
  }
  const { inferenceId } = notification;
  const refused = (problem: string): NotificationOutcome => {
    // Refused before the token is claimed: the subject's workflow is exactly as it was (it times out if nothing
    // genuine follows). Ids and the problem only: the body names keys.
    deps.log('error', 'Training notification refused', { inferenceId, problem });
    return 'refused';
  };
  let adapterSha256: string | undefined;
  if (deps.provenance || deps.erasure) {
    if (deps.provenance) {
      const problem = topicProblem(notification.invocationStatus, delivery.topicArn, deps.provenance);
      if (problem) return refused(problem);
    }
    const plan = await deps.tokens.peek(inferenceId);
    if (plan && deps.erasure && (await isErasedTraining(plan, deps.erasure))) {
      const deleted = await deleteLateResults(
        plan,
        [notification.responseParameters?.outputLocation, notification.responseParameters?.failureLocation],
        deps.erasure,
      );
      const claim = await deps.tokens.claim(inferenceId);
      if (claim.outcome === 'claimed') {
        await deps.callbacks.fail(
          claim.taskToken,
          'SubjectErasedError',
          'The subject was erased while it trained: its results were deleted',
        );
      }
      deps.log('warn', 'Late training result of an erased subject deleted', { inferenceId, deleted });
      return 'erased';
    }
    const output = notification.responseParameters?.outputLocation;
    if (plan && deps.provenance && notification.invocationStatus === 'Completed' && output) {
      const checked = await checkSuccess(output, plan, deps.provenance);
      if ('problem' in checked) return refused(checked.problem);
      if (!(await deps.tokens.recordAdapterDigest(inferenceId, checked.adapterSha256))) {
        return refused('the adapter changed since its digest was recorded');
      }
      adapterSha256 = checked.adapterSha256;
    }
  }
  const claim = await deps.tokens.claim(inferenceId);
  if (claim.outcome === 'unknown') {
    deps.log('warn', 'Notification for an inference this pipeline did not start (or whose token expired)', {
      inferenceId,
    });
    return 'unknown-inference';
  }
  if (claim.outcome === 'already-claimed') {
    deps.log('info', 'Duplicate notification ignored', { inferenceId });
    return 'duplicate';
  }
  const outputLocation = notification.responseParameters?.outputLocation;
  let sent: 'sent' | 'stale';
  try {
    sent =
      notification.invocationStatus === 'Completed' && outputLocation
        ? await deps.callbacks.succeed(claim.taskToken, {
            inferenceId,
            outputLocation,
            ...(adapterSha256 ? { adapterSha256 } : {}),
          } satisfies TrainingCompleted)
        : await deps.callbacks.fail(
            claim.taskToken,
            TrainingErrors.trainingEndpointFailed.name,
            // The failure location (from the notification if it has one, else recorded at invocation) lets
            // ExplainTrainingFailure read the container's own error body (training-failure-cause.ts).
            trainingFailureCause({
              failureReason:
                notification.failureReason ??
                (notification.invocationStatus === 'Completed'
                  ? 'The endpoint reported success without an output location'
                  : 'The training endpoint reported a failure without a reason'),
              failureLocation:
                notification.invocationStatus === 'Failed'
                  ? (notification.responseParameters?.failureLocation ?? claim.failureLocation)
                  : undefined,
              inferenceId,
            }),
          );
  } catch (error) {
    // Step Functions did not take the answer (throttled, unavailable): give the token back, so the
    // redelivered notification is not mistaken for a duplicate and the training is not lost.
    await deps.tokens.unclaim(inferenceId);
    throw error;
  }
  if (sent === 'stale') {
    deps.log('warn', 'Notification arrived after the workflow stopped waiting (timed out or stopped)', {
      inferenceId,
      executionName: claim.executionName,
    });
    return 'stale-task';
  }
  return notification.invocationStatus === 'Completed' && outputLocation ? 'task-succeeded' : 'task-failed';
}
