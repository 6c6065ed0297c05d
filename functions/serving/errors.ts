import { PipelineError } from '../platform/errors.js';

/** Errors of talking to the multi-model endpoint that serves every subject's model. */
export abstract class ServingError extends PipelineError {}

/** The model answered, but not with the image the serving contract promises. */
export class UnexpectedGenerationResponseError extends ServingError {
  override readonly name = 'UnexpectedGenerationResponseError';
  readonly retryable = false;
}
