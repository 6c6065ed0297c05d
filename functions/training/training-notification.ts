import { z } from 'zod';
import { type TrainingCompleted, TrainingErrors } from '../../state-machines/training/contract.js';
import type { CallbackTokens } from './callback-tokens.js';
import type { TaskCallbacks } from './task-callbacks.js';
import { trainingFailureCause } from './training-failure-cause.js';

/**
 * The body an asynchronous inference endpoint publishes to its SuccessTopic / ErrorTopic, as the SageMaker
 * developer guide documents it ("Check prediction results"). It reaches us as a JSON string in an SNS record.
 */
export const AsyncInferenceNotification = z.object({
  invocationStatus: z.enum(['Completed', 'Failed']),
  inferenceId: z.string().min(1),
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

export type NotificationOutcome =
  | 'task-succeeded'
  | 'task-failed'
  | 'duplicate'
  | 'unknown-inference'
  | 'stale-task'
  | 'malformed';

export interface NotificationDeps {
  tokens: CallbackTokens;
  callbacks: TaskCallbacks;
  log: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

/**
 * Turns one notification into SendTaskSuccess / SendTaskFailure. Duplicate, late, unknown and malformed
 * notifications are logged and dropped (never thrown: SNS would only redeliver them); a lost one ends in the
 * Train state's timeout, never in a workflow waiting forever.
 */
export async function handleTrainingNotification(
  message: string,
  deps: NotificationDeps,
): Promise<NotificationOutcome> {
  let notification: AsyncInferenceNotification;
  try {
    notification = AsyncInferenceNotification.parse(JSON.parse(message));
  } catch (error) {
    deps.log('error', 'Malformed async inference notification dropped', {
      problem: (error as Error).message,
      message: message.slice(0, 2000),
    });
    return 'malformed';
  }
  const { inferenceId } = notification;
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
