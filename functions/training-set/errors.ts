import { PipelineError } from '../platform/errors.js';

/** Errors of preparing a training set (crops and manifest). */
export abstract class TrainingSetError extends PipelineError {}

/** The PrepareTrainingSet payload did not match the training contract. */
export class MalformedPrepareTrainingSetInputError extends TrainingSetError {
  override readonly name = 'MalformedPrepareTrainingSetInputError';
  readonly retryable = false;
}
