import type { TrainingFailed } from '../../events/pipeline-events.js';
import { type FailedTrainingState, TrainingErrors } from '../../state-machines/training/contract.js';

export interface TrainingFailureInput {
  tenantId: string;
  subjectId: string;
  imageSetId: string;
  modelVersion?: string;
  stage: string;
  failure: { Error: string; Cause?: string };
}

/**
 * The `Training Failed` detail: what happened in words, and whether starting the same training again can
 * succeed (a timeout or a throttled service can; a training the model itself rejected will fail again).
 */
export function explainTrainingFailure(input: TrainingFailureInput): TrainingFailed {
  const cause = causeText(input.failure.Cause);
  const { reason, retryable } = classify(input.failure.Error, cause, input.stage);
  return {
    version: 1,
    tenantId: input.tenantId,
    subjectId: input.subjectId,
    imageSetId: input.imageSetId,
    ...(input.modelVersion ? { modelVersion: input.modelVersion } : {}),
    stage: input.stage,
    reason,
    retryable,
    advice: retryable
      ? 'Nothing is wrong with the photos. Start the training state machine again with the input of this execution under a new execution name; the training set and its manifest are kept.'
      : 'The training itself failed. Check the training endpoint logs in CloudWatch for this inference, fix the cause (hyperparameters in subject.json, base model), then change subject.json to start a new training.',
  };
}

function classify(error: string, cause: string, stage: string): { reason: string; retryable: boolean } {
  if (error === 'States.Timeout') {
    return {
      reason: `${stage} timed out: no result arrived in time (the training took too long, or its notification was lost)`,
      retryable: true,
    };
  }
  if (error === TrainingErrors.trainingEndpointFailed.name) {
    // SageMaker reports a container 5xx as "Received server error (500) from model"; our container answers
    // 500 for training errors and 400 for requests it refuses, which retrying cannot fix.
    const refused = /\(4\d\d\)/.test(cause);
    const timedOut = /timed? ?out|timeout/i.test(cause);
    return { reason: `The training endpoint reported a failure: ${cause}`, retryable: timedOut || !refused };
  }
  const transient = /Throttl|ServiceUnavailable|InternalServer|TooManyRequests|ModelNotReady|Lambda\./.test(
    `${error} ${cause}`,
  );
  return { reason: `${stage} failed with ${error}: ${cause}`, retryable: transient };
}

/** A Lambda error's Cause is a JSON object with errorMessage; keep the message, not the stack. */
function causeText(cause: string | undefined): string {
  if (!cause) return 'no cause given';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}

export function explainFailedTrainingState(state: FailedTrainingState): TrainingFailed {
  return explainTrainingFailure({
    tenantId: state.received.tenantId,
    subjectId: state.received.subjectId,
    imageSetId: state.received.imageSetId,
    ...(state.plan?.modelVersion ? { modelVersion: state.plan.modelVersion } : {}),
    stage: state.failedStage,
    failure: state.failure,
  });
}
