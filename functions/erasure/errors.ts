import { ErasureErrors } from '../../state-machines/erasure/contract.js';
import { PipelineError } from '../platform/errors.js';

/** Errors of erasing a subject: its objects, its rows, its running executions. */
export abstract class ErasureError extends PipelineError {}

/** A task of the erasure workflow got a payload that does not follow its contract (a wiring mistake). */
export class MalformedErasureTaskInputError extends ErasureError {
  override readonly name = ErasureErrors.malformedTaskInput.name;
  readonly retryable = ErasureErrors.malformedTaskInput.retryable;
}

/** S3 or DynamoDB refused or throttled part of an erasure: the workflow retries the step, which is idempotent. */
export class ErasureIncompleteError extends ErasureError {
  override readonly name = ErasureErrors.erasureIncomplete.name;
  readonly retryable = ErasureErrors.erasureIncomplete.retryable;
}

/**
 * The subject was erased after this work began (a late adapter, a callback or a deploy of a training started
 * before the erasure): its result is deleted, never deployed.
 */
export class SubjectErasedError extends ErasureError {
  override readonly name = ErasureErrors.subjectErased.name;
  readonly retryable = ErasureErrors.subjectErased.retryable;
}

/** A request to erase names an id that cannot be a subject's (or a tenant's): nothing is started. */
export class InvalidErasureRequestError extends ErasureError {
  override readonly name = 'InvalidErasureRequestError';
  readonly retryable = false;
}
