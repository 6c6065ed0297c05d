import { ScreeningUnavailableError } from './errors.js';

const TRANSIENT_ERROR_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'InternalServerException',
  'InternalServerError',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
]);

/** Turns a throttled / 5xx / timed-out call into ScreeningUnavailableError; other errors are returned as they are. */
export function classifyScreeningError(error: unknown, service: string, operation: string): unknown {
  const candidate = error as { name?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const status = candidate?.$metadata?.httpStatusCode ?? 0;
  const transient =
    TRANSIENT_ERROR_NAMES.has(candidate?.name ?? '') ||
    candidate?.$fault === 'server' ||
    status >= 500 ||
    status === 429;
  if (!transient) return error;
  return new ScreeningUnavailableError(
    `${service} ${operation} is unavailable (${candidate?.name ?? 'error'}): nothing was screened; retry later`,
    { cause: error },
  );
}
