import { PipelineError } from '../platform/errors.js';

/** One field of a request that is wrong: where it is, what is wrong, and what to send instead. */
export interface FieldProblem {
  field: string;
  message: string;
  fix: string;
}

/**
 * The base of every error of the HTTP API: each one is answered as an RFC 9457 problem with its own status, never
 * as a stack trace. `retryable` says whether the same request can succeed later (a quota that resets, a model that
 * is still training).
 */
export abstract class ApiError extends PipelineError {
  abstract readonly status: number;
  /** A short, stable title of the problem type (RFC 9457 `title`). */
  abstract readonly title: string;
  /** The last part of the problem type URI. */
  abstract readonly type: string;
  readonly errors: readonly FieldProblem[] = [];
  /** Extra response headers (Retry-After on 429). */
  readonly headers: Readonly<Record<string, string>> = {};
}

/** The request does not match its schema: every bad field is named, with what to send. */
export class InvalidRequestError extends ApiError {
  override readonly name = 'InvalidRequestError';
  readonly retryable = false;
  readonly status = 400;
  readonly title = 'The request is not valid';
  readonly type = 'invalid-request';
  constructor(
    detail: string,
    override readonly errors: readonly FieldProblem[],
  ) {
    super(detail);
  }
}

/** No credential, or one that is not (or no longer) valid. */
export class UnauthorizedError extends ApiError {
  override readonly name = 'UnauthorizedError';
  readonly retryable = false;
  readonly status = 401;
  readonly title = 'Authentication required';
  readonly type = 'unauthorized';
}

/** Nothing of this tenant has that id (another tenant's id answers the same: nothing says it exists). */
export class NotFoundError extends ApiError {
  override readonly name = 'NotFoundError';
  readonly retryable = false;
  readonly status = 404;
  readonly title = 'Not found';
  readonly type = 'not-found';
}

/** The resource exists but is not in a state that allows the request (a used id, a subject no longer queued). */
export class ConflictError extends ApiError {
  override readonly name = 'ConflictError';
  readonly retryable = false;
  readonly status = 409;
  readonly title = 'Conflict with the current state';
  readonly type = 'conflict';
  constructor(
    detail: string,
    override readonly errors: readonly FieldProblem[] = [],
  ) {
    super(detail);
  }
}

/** The same Idempotency-Key was sent with a different body. */
export class IdempotencyKeyReusedError extends ApiError {
  override readonly name = 'IdempotencyKeyReusedError';
  readonly retryable = false;
  readonly status = 422;
  readonly title = 'Idempotency-Key reused with another request';
  readonly type = 'idempotency-key-reused';
  override readonly errors: readonly FieldProblem[] = [
    {
      field: 'header.Idempotency-Key',
      message: 'this key was used within 24 h for a request with a different body',
      fix: 'send a new Idempotency-Key for a new request, or repeat the first body exactly',
    },
  ];
}

/** The tenant's GPU images for today are used up. */
export class QuotaExceededError extends ApiError {
  override readonly name = 'QuotaExceededError';
  readonly retryable = true;
  readonly status = 429;
  readonly title = 'Daily GPU image quota exceeded';
  readonly type = 'quota-exceeded';
  override readonly headers: Readonly<Record<string, string>>;
  override readonly errors: readonly FieldProblem[];
  constructor(detail: string, retryAfterSeconds: number, field: string) {
    super(detail);
    this.headers = { 'retry-after': String(retryAfterSeconds) };
    this.errors = [
      {
        field,
        message: 'this request would exceed the GPU images per day of your tenant',
        fix: 'ask for fewer images (fewer prompts or styles, a smaller imagesPerPrompt), or retry after the UTC day ends',
      },
    ];
  }
}
