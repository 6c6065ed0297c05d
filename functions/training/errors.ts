import { TrainingErrors } from '../../state-machines/training/contract.js';
import { PipelineError } from '../platform/errors.js';

/** Errors of planning, queueing and running trainings. */
export abstract class TrainingError extends PipelineError {}

/** A training task's payload did not match the training contract: a wiring mistake, named by field. */
export class MalformedTrainingTaskInputError extends TrainingError {
  override readonly name = TrainingErrors.malformedTaskInput.name;
  readonly retryable = TrainingErrors.malformedTaskInput.retryable;
}

/** The Lambda event is not an SNS event with records: nothing in it can be a training notification. */
export class MalformedNotificationEventError extends TrainingError {
  override readonly name = 'MalformedNotificationEventError';
  readonly retryable = false;
}
