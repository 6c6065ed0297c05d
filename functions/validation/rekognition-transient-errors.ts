import { FaceAnalysisUnavailableError } from './errors.js';

/** Rekognition errors that say "not now", not "not this photo". */
const TRANSIENT_ERROR_NAMES = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'InternalServerError',
  'ServiceUnavailableException',
  'TimeoutError',
]);

/**
 * Turns a throttled or failing Rekognition call into FaceAnalysisUnavailableError (the state machine retries
 * on that name with backoff); any other error is returned as it is, since retrying would not help.
 */
export function classifyRekognitionError(error: unknown, operation: string, photoKey: string): unknown {
  const candidate = error as { name?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const transient =
    TRANSIENT_ERROR_NAMES.has(candidate?.name ?? '') ||
    candidate?.$fault === 'server' ||
    (candidate?.$metadata?.httpStatusCode ?? 0) >= 500;
  if (!transient) return error;
  return new FaceAnalysisUnavailableError(
    `Amazon Rekognition ${operation} is unavailable (${candidate?.name ?? 'error'}) while checking ${photoKey}: the photos were not judged; retry later`,
    { cause: error },
  );
}
