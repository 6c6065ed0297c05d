import { GenerationErrors } from '../../state-machines/generation/contract.js';
import { PipelineError } from '../platform/errors.js';

/** Errors of generating avatars: planning, screening prompts and images, generating, compiling. */
export abstract class GenerationError extends PipelineError {}

/**
 * A screening service (Comprehend for prompts, Rekognition for images) is throttled or failing: nothing was
 * judged. The generation state machine retries the task on this error name, with backoff.
 */
export class ScreeningUnavailableError extends GenerationError {
  override readonly name = GenerationErrors.screeningUnavailable.name;
  readonly retryable = GenerationErrors.screeningUnavailable.retryable;
}

/** The endpoint stayed throttled, loading or failing through every retry; the state machine retries by this name. */
export class GenerationUnavailableError extends GenerationError {
  override readonly name = GenerationErrors.generationUnavailable.name;
  readonly retryable = GenerationErrors.generationUnavailable.retryable;
}

/** A generation task's payload did not match the generation contract: a wiring mistake, named by field. */
export class MalformedGenerationTaskInputError extends GenerationError {
  override readonly name = GenerationErrors.malformedTaskInput.name;
  readonly retryable = GenerationErrors.malformedTaskInput.retryable;
}

/** Our own `Model Ready` event does not follow its schema: a bug upstream, not a partner's mistake. */
export class MalformedModelReadyError extends GenerationError {
  override readonly name = 'MalformedModelReadyError';
  readonly retryable = false;
}

/** More texts than Comprehend DetectToxicContent takes in one call: a bug in the batching. */
export class TooManySegmentsError extends GenerationError {
  override readonly name = 'TooManySegmentsError';
  readonly retryable = false;
}

/** A request named styles the style pack does not have. */
export class UnknownStyleError extends GenerationError {
  override readonly name = 'UnknownStyleError';
  readonly retryable = false;
  constructor(
    readonly unknownStyles: string[],
    readonly validStyles: string[],
  ) {
    super(
      `Unknown style${unknownStyles.length > 1 ? 's' : ''} ${unknownStyles.map((s) => `"${s}"`).join(', ')}; valid styles are ${validStyles.join(', ')}`,
    );
  }
}

/** Every attempt of a retried invocation failed with an error a later attempt could have outlived. */
export class RetriesExhaustedError extends GenerationError {
  override readonly name = 'RetriesExhaustedError';
  readonly retryable = true;
  constructor(
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(
      `Gave up after ${attempts} attempt(s): ${(lastError as Error)?.name}: ${(lastError as Error)?.message}`,
      { cause: lastError },
    );
  }
}

/** A request for avatar links names an id or a lifetime out of range: nothing is linked. */
export class InvalidLinkRequestError extends GenerationError {
  override readonly name = 'InvalidLinkRequestError';
  readonly retryable = false;
}
