import type { TrainingFailed } from '../../events/pipeline-events.js';
import { modeField, type RunMode } from '../../events/run-mode.js';
import { type FailedTrainingState, TrainingErrors } from '../../state-machines/training/contract.js';
import { ASYNC_FAILURE_PREFIX } from '../platform/bucket-layout.js';
import type { ObjectStore } from '../platform/object-store.js';
import { keyInBucket } from '../platform/s3-uri.js';
import { ContainerErrorBody, parseTrainingFailureCause } from './training-failure-cause.js';

export interface TrainingFailureInput {
  tenantId: string;
  /** Absent: live. */
  mode?: RunMode;
  subjectId: string;
  imageSetId: string;
  modelVersion?: string;
  stage: string;
  failure: { Error: string; Cause?: string };
  /**
   * The training container's own error body, read from the invocation's failure location: when present, its
   * message and its `retryable` are the answer, not a guess from SageMaker's status line.
   */
  containerError?: ContainerErrorBody;
  /** Why the container's error body, known to exist at a location, could not be used. */
  containerErrorUnreadable?: string;
}

/**
 * The `Training Failed` detail: what happened in words, and whether starting the same training again can
 * succeed (a timeout or a throttled service can; a training the model itself rejected will fail again).
 */
export function explainTrainingFailure(input: TrainingFailureInput): TrainingFailed {
  const cause = causeText(input.failure.Cause);
  const { reason, retryable } = input.containerError
    ? fromContainer(input.containerError, cause)
    : classify(input.failure.Error, cause, input.stage);
  const unreadable = input.containerError
    ? ''
    : input.containerErrorUnreadable
      ? ` (the training container's own error body could not be read: ${input.containerErrorUnreadable})`
      : '';
  return {
    version: 1,
    tenantId: input.tenantId,
    ...modeField(input.mode),
    subjectId: input.subjectId,
    imageSetId: input.imageSetId,
    ...(input.modelVersion ? { modelVersion: input.modelVersion } : {}),
    stage: input.stage,
    reason: `${reason}${unreadable}`,
    retryable,
    advice: retryable
      ? 'Nothing is wrong with the photos. Start the training state machine again with the input of this execution under a new execution name; the training set and its manifest are kept.'
      : 'The training itself failed. Check the training endpoint logs in CloudWatch for this inference, fix the cause (hyperparameters in subject.json, base model), then change subject.json to start a new training.',
  };
}

/**
 * The container knows why it failed and whether the same request can succeed: its words and its `retryable` win.
 * SageMaker's status line follows, for finding the invocation in the endpoint's logs.
 */
function fromContainer(body: ContainerErrorBody, sageMaker: string): { reason: string; retryable: boolean } {
  const kind = body.errorType ? ` (${body.errorType})` : '';
  return {
    reason: `The training container reported a failure${kind}: ${body.error}. SageMaker: ${sageMaker}`,
    retryable: body.retryable,
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

/**
 * A Lambda error's Cause is a JSON object with errorMessage; keep the message, not the stack. A failed training's
 * Cause may be the callback's document (training-failure-cause.ts): keep SageMaker's reason from it.
 */
function causeText(cause: string | undefined): string {
  if (!cause) return 'no cause given';
  const document = parseTrainingFailureCause(cause);
  if (document) return document.failureReason;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}

export function explainFailedTrainingState(
  state: FailedTrainingState,
  container: Pick<TrainingFailureInput, 'containerError' | 'containerErrorUnreadable'> = {},
): TrainingFailed {
  return explainTrainingFailure({
    tenantId: state.received.tenantId,
    mode: state.received.mode,
    subjectId: state.received.subjectId,
    imageSetId: state.received.imageSetId,
    ...(state.plan?.modelVersion ? { modelVersion: state.plan.modelVersion } : {}),
    stage: state.failedStage,
    failure: state.failure,
    ...container,
  });
}

export interface ContainerErrorReader {
  /** The ingest bucket, where SageMaker writes failures under `async-inference/failures/`. */
  store: ObjectStore;
  bucket: string;
}

/**
 * ExplainTrainingFailure: when the training endpoint failed and the callback passed the failure location, reads
 * the container's error body there (only under `async-inference/failures/` of the pipeline's bucket) and lets its
 * message and `retryable` decide. Never throws for the body: a missing or unreadable one falls back to
 * SageMaker's failureReason, and the reason says the body could not be read.
 */
export async function explainFailedTraining(
  state: FailedTrainingState,
  reader: () => ContainerErrorReader,
): Promise<TrainingFailed> {
  const document =
    state.failure.Error === TrainingErrors.trainingEndpointFailed.name
      ? parseTrainingFailureCause(state.failure.Cause)
      : undefined;
  if (!document) return explainFailedTrainingState(state);
  try {
    return explainFailedTrainingState(state, {
      containerError: await readContainerError(document.failureLocation, reader()),
    });
  } catch (error) {
    return explainFailedTrainingState(state, { containerErrorUnreadable: (error as Error).message });
  }
}

async function readContainerError(location: string, { store, bucket }: ContainerErrorReader) {
  const key = keyInBucket(location, bucket);
  if (!key.startsWith(ASYNC_FAILURE_PREFIX)) {
    throw new Error(`${location} is not under ${ASYNC_FAILURE_PREFIX}`);
  }
  const text = new TextDecoder().decode(await store.get(key));
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`the body at ${location} is not JSON: ${text.slice(0, 200)}`);
  }
  const parsed = ContainerErrorBody.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`the body at ${location} is not the container's {error, errorType, retryable}`);
  }
  return parsed.data;
}
