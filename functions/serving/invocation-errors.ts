/** How a failed real-time invocation of the multi-model endpoint should be treated. */
/**
 * Errors that a later attempt can outlive: the model still loading (ModelNotReady), throttling, server and
 * network faults. A ModelError carries the container's own status: a 4xx there is a request the model refuses
 * for good. Shared by WarmUpModel and GenerateScreenedImage.
 */
export function isRetryableInvocationError(error: unknown): boolean {
  const e = error as {
    name?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
    OriginalStatusCode?: number;
  };
  if (e?.name === 'ModelError' && (e.OriginalStatusCode ?? 500) < 500) return false;
  const status = e?.$metadata?.httpStatusCode ?? 0;
  return (
    status >= 500 ||
    status === 429 ||
    Boolean(e?.$retryable) ||
    /ModelNotReady|Throttling|ServiceUnavailable|InternalFailure|InternalDependency|ModelError|TimeoutError|ECONNRESET/.test(
      e?.name ?? '',
    )
  );
}
