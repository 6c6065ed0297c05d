import { TrainingErrors } from '../../state-machines/training/contract.js';
import { PipelineError } from '../platform/errors.js';

/** Errors of photo validation. A bad photo is never an error (it is an exclusion with a reason); these are. */
export abstract class ValidationError extends PipelineError {}

/**
 * The face or moderation service is throttled or failing. Not the photo's fault, so never an exclusion:
 * the training state machine retries the whole task on this error name.
 */
export class FaceAnalysisUnavailableError extends ValidationError {
  override readonly name = TrainingErrors.faceAnalysisUnavailable.name;
  readonly retryable = TrainingErrors.faceAnalysisUnavailable.retryable;
}

/** sharp could not decode a photo whose header looked valid (truncated, corrupt): the photo is excluded. */
export class CorruptImageError extends ValidationError {
  override readonly name = 'CorruptImageError';
  readonly retryable = false;
}

/** The ValidateImages payload did not match the training contract. */
export class MalformedValidateImagesInputError extends ValidationError {
  override readonly name = 'MalformedValidateImagesInputError';
  readonly retryable = false;
}

/** Validation thresholds that cannot work together (minPhotos above maxPhotos, a non-positive size). */
export class InvalidValidationPolicyError extends ValidationError {
  override readonly name = 'InvalidValidationPolicyError';
  readonly retryable = false;
}
