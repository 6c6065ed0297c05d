import { isRetryableInvocationError } from '../serving/invocation-errors.js';
import { RetriesExhaustedError } from './errors.js';
/**
 * Retries for real-time invocations of the multi-model endpoint: exponential backoff with full jitter
 * (delay = random() x min(maxDelayMs, baseDelayMs x 2^(attempt-1))), only for errors a later attempt can outlive.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RetryDeps {
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  log: (message: string, fields: Record<string, unknown>) => void;
}

export { isRetryableInvocationError };

/**
 * Runs `operation` until it succeeds, a non-retryable error is thrown (rethrown as it is), or the attempts are
 * spent (RetriesExhaustedError with the last error).
 */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  deps: RetryDeps,
  isRetryable: (error: unknown) => boolean = isRetryableInvocationError,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (attempt >= policy.maxAttempts) throw new RetriesExhaustedError(attempt, error);
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * deps.random();
      deps.log('Attempt failed; retrying', { attempt, delay, error: (error as Error)?.name });
      await deps.sleep(delay);
    }
  }
}
