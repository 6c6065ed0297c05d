import { TrainingErrors } from '../../state-machines/training/contract.js';
import { PipelineError } from '../platform/errors.js';

/** Errors of putting a trained adapter into service: deploy, warm up, register. */
export abstract class DeploymentError extends PipelineError {}

/** The training container's response does not follow its contract (or is for another subject or version). */
export class UnexpectedTrainingResponseError extends DeploymentError {
  override readonly name = TrainingErrors.unexpectedTrainingResponse.name;
  readonly retryable = TrainingErrors.unexpectedTrainingResponse.retryable;
}

/** The new model did not answer within the warm-up's own retries; the workflow retries the task on this name. */
export class ModelWarmUpFailedError extends DeploymentError {
  override readonly name = TrainingErrors.modelWarmUpFailed.name;
  readonly retryable = TrainingErrors.modelWarmUpFailed.retryable;
}
