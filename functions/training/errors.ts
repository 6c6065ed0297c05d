import { TrainingErrors } from '../../state-machines/training/contract.js';
import { PipelineError } from '../platform/errors.js';

/** Errors of planning, queueing and running trainings. */
export abstract class TrainingError extends PipelineError {}

/** A training task's payload did not match the training contract: a wiring mistake, named by field. */
export class MalformedTrainingTaskInputError extends TrainingError {
  override readonly name = TrainingErrors.malformedTaskInput.name;
  readonly retryable = TrainingErrors.malformedTaskInput.retryable;
}

/** An SNS event, or a notification in it, that is not what the async inference endpoint sends. */
export class MalformedTrainingNotificationError extends TrainingError {
  override readonly name = 'MalformedTrainingNotificationError';
  readonly retryable = false;
}

/** A dry run's training request or manifest the container would refuse too: the dry run fails as a live one would. */
export class DryRunTrainingError extends TrainingError {
  override readonly name = 'DryRunTrainingError';
  readonly retryable = false;
}
