/**
 * The base of every error the pipeline's own code throws. `retryable` says whether the same call can succeed
 * later (a throttled service, a model still loading) or never will (a malformed input, a refused request): the
 * workflows' Retry rules list exactly the retryable names of a task's contract, and failure explanations read it
 * instead of guessing from a name. Each capability has its own subclass, so a catch can tell whose error it is.
 *
 * `name` is always written out (from the workflow contract where a Retry or Catch rule matches it): bundles are
 * minified, so a class's own name is not stable.
 */
export abstract class PipelineError extends Error {
  abstract override readonly name: string;
  abstract readonly retryable: boolean;
}

/** Errors of configuration: the function was deployed (or started locally) with settings it cannot run with. */
export abstract class ConfigurationError extends PipelineError {}

/** Whether an error says a later attempt can succeed; errors that are not ours never say so. */
export function isRetryable(error: unknown): boolean {
  return error instanceof PipelineError && error.retryable;
}

/** A string that should be an `s3://bucket/key` URI (or a key in our bucket) is not one. */
export class InvalidS3UriError extends PipelineError {
  override readonly name = 'InvalidS3UriError';
  readonly retryable = false;
}

/** No object at a key: deleted, or never finished uploading. */
export class ObjectNotFoundError extends PipelineError {
  override readonly name = 'ObjectNotFoundError';
  readonly retryable = false;
  constructor(readonly key: string) {
    super(`No object at "${key}": it was deleted or never finished uploading`);
  }
}

/**
 * A task was given an id or a key that does not belong to the tenant and subject it works for (a hand-started
 * execution, a forged event): refused, never retried, and never acted on.
 */
export class OwnershipError extends PipelineError {
  override readonly name = 'OwnershipError';
  readonly retryable = false;
}
