import { generationRequest, imageFromResponse } from '../serving/generation-request.js';
import { isRetryableInvocationError } from '../serving/invocation-errors.js';
import type { ModelEndpoint } from '../serving/model-endpoint.js';
import { ModelWarmUpFailedError } from './errors.js';

export interface WarmUpPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Stop retrying once this much time has passed, so the Lambda ends before its own timeout. */
  budgetMs: number;
}

export const DEFAULT_WARM_UP_POLICY: WarmUpPolicy = {
  maxAttempts: 8,
  baseDelayMs: 2_000,
  maxDelayMs: 30_000,
  budgetMs: 240_000,
};

export interface WarmUpDeps {
  endpoint: ModelEndpoint;
  policy: WarmUpPolicy;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random: () => number;
  log: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * The first invocation of a new model loads it (the seed measured 48 s, close to the 60 s real-time limit),
 * so one cheap generation runs before `Model Ready`: a person's first request then meets a loaded model.
 * Loading, throttling and 5xx errors are retried with exponential backoff and full jitter.
 */
export async function warmUpModel(
  input: { targetModel: string },
  deps: WarmUpDeps,
): Promise<{ warmUpSeconds: number; attempts: number }> {
  const started = deps.now();
  const body = generationRequest({
    prompt: 'warm-up',
    negativePrompt: '',
    seed: 0,
    steps: 1,
    guidanceScale: 1,
  });
  for (let attempt = 1; ; attempt++) {
    try {
      imageFromResponse(await deps.endpoint.invoke(input.targetModel, body));
      return { warmUpSeconds: (deps.now() - started) / 1000, attempts: attempt };
    } catch (error) {
      const elapsed = deps.now() - started;
      const delay =
        Math.min(deps.policy.maxDelayMs, deps.policy.baseDelayMs * 2 ** (attempt - 1)) * deps.random();
      if (
        !isRetryableInvocationError(error) ||
        attempt >= deps.policy.maxAttempts ||
        elapsed + delay > deps.policy.budgetMs
      ) {
        throw new ModelWarmUpFailedError(
          `Model ${input.targetModel} did not answer its warm-up after ${attempt} attempt(s) in ${Math.round(elapsed / 1000)} s: ${(error as Error).name}: ${(error as Error).message}`,
        );
      }
      deps.log('Warm-up attempt failed; retrying', { targetModel: input.targetModel, attempt, delay });
      await deps.sleep(delay);
    }
  }
}
