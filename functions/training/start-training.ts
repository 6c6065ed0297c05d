import { createHash } from 'node:crypto';
import { DRY_RUN } from '../../events/run-mode.js';
import type { StartTrainingInput } from '../../state-machines/training/contract.js';
import { TRAINING_PREFIX } from '../platform/bucket-layout.js';
import { assertOwnedKeys } from '../platform/ownership.js';
import { s3Uri } from '../platform/s3-uri.js';
import type { AsyncInference } from './async-inference.js';
import type { CallbackTokens } from './callback-tokens.js';
import { type DryRunTrainingDeps, dryRunTraining } from './dry-run-training.js';
import { DryRunTrainingError } from './errors.js';

export interface StartTrainingDeps {
  tokens: CallbackTokens;
  inference: AsyncInference;
  /** Absent: a dry run cannot start here (it needs the object store and the task callbacks). */
  dryRun?: DryRunTrainingDeps;
  bucket: string;
  invocationTimeoutSeconds: number;
  /** How long the token is kept: past the workflow's own timeout for the callback. */
  tokenTtlSeconds: number;
}

/**
 * The Train state's task (`.waitForTaskToken`): remembers the task token under an InferenceId chosen here,
 * then queues the training on the async endpoint. The token is stored first, so even an instant notification
 * finds it. Each attempt of the state has its own token, hence its own InferenceId.
 */
export async function startTraining(
  input: StartTrainingInput,
  deps: StartTrainingDeps,
): Promise<{ inferenceId: string }> {
  assertOwnedKeys(input, [input.requestKey], { task: 'Train', prefix: TRAINING_PREFIX });
  const attempt = createHash('sha256').update(input.taskToken).digest('hex').slice(0, 12);
  const inferenceId = `${input.modelVersion}-${attempt}`;
  if (input.mode === DRY_RUN && !deps.dryRun) {
    throw new DryRunTrainingError('This Train function was built without the dry-run trainer');
  }
  // A dry run keeps the same token row as a live training: DeployModel checks the adapter against it either way.
  await deps.tokens.remember(
    inferenceId,
    {
      taskToken: input.taskToken,
      executionName: input.executionName,
      tenantId: input.tenantId,
      subjectId: input.subjectId,
      modelVersion: input.modelVersion,
    },
    deps.tokenTtlSeconds,
  );
  if (input.mode === DRY_RUN && deps.dryRun) {
    return dryRunTraining(
      { inferenceId, taskToken: input.taskToken, requestKey: input.requestKey },
      { ...deps.dryRun, tokens: deps.tokens },
    );
  }
  const queued = await deps.inference.invokeAsync({
    inferenceId,
    inputLocation: s3Uri(deps.bucket, input.requestKey),
    invocationTimeoutSeconds: deps.invocationTimeoutSeconds,
  });
  if (queued.failureLocation) {
    // Best effort: the training is queued now, and failing this state would abandon a running training. Without
    // the location a failure is still explained, from SageMaker's reason instead of the container's own words.
    await deps.tokens
      .recordFailureLocation(inferenceId, queued.failureLocation, queued.outputLocation)
      .catch(() => undefined);
  }
  return { inferenceId };
}
