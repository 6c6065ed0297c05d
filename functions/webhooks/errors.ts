import { WebhookErrors } from '../../state-machines/webhooks/contract.js';
import { PipelineError } from '../platform/errors.js';

/** Errors of the webhooks capability: endpoint management, planning and delivering signed webhooks. */
export abstract class WebhookError extends PipelineError {}

/**
 * An error the HTTP API answers with its `statusCode`: 400 names the field and the fix, 404 an endpoint that
 * is not the caller's (unknown, deleted, or another tenant's: the same answer), 409 a second read of the default
 * secret.
 */
export abstract class WebhookRequestError extends WebhookError {
  abstract readonly statusCode: 400 | 404 | 409;
  readonly retryable = false;
}

/** A request body that breaks its schema, or a URL the SSRF guard refuses. */
export class InvalidWebhookRequestError extends WebhookRequestError {
  override readonly name = 'InvalidWebhookRequestError';
  readonly statusCode = 400;

  constructor(
    /** The dotted path of the field ("url", "eventTypes.1"). */
    readonly field: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${field}: ${message}`, options);
  }
}

export class WebhookEndpointNotFoundError extends WebhookRequestError {
  override readonly name = 'WebhookEndpointNotFoundError';
  readonly statusCode = 404;
}

export class DefaultSecretAlreadyReadError extends WebhookRequestError {
  override readonly name = 'DefaultSecretAlreadyReadError';
  readonly statusCode = 409;
}

/** A delivery task's payload does not match the webhooks contract: a wiring mistake, never retried. */
export class MalformedWebhookTaskInputError extends WebhookError {
  override readonly name = WebhookErrors.malformedTaskInput.name;
  readonly retryable = false;
}
