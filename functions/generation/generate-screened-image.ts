import type {
  GeneratedImageResult,
  GenerationJob,
  GenerationRequest,
} from '../../state-machines/generation/contract.js';
import { avatarKey, quarantineKey, targetModelOf } from '../platform/bucket-layout.js';
import {
  type Environment,
  getListFromEnv,
  getNumberFromEnv,
  MissingConfigurationError,
} from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { OwnershipError } from '../platform/errors.js';
import type { ObjectStore } from '../platform/object-store.js';
import { PIPELINE_DEFAULTS } from '../platform/pipeline-defaults.js';
import { generationRequest, imageFromResponse } from '../serving/generation-request.js';
import type { ModelEndpoint } from '../serving/model-endpoint.js';
import { GenerationUnavailableError, RetriesExhaustedError } from './errors.js';
import {
  blockingLabels,
  describeLabels,
  type ImageModerationPolicy,
  type ImageScreen,
} from './image-screen.js';
import { seedFor } from './prompts.js';
import { type RetryPolicy, withRetries } from './retry.js';

export interface GenerationPolicy {
  /** Diffusion steps per image. */
  steps: number;
  guidanceScale: number;
  /** New images (with new seeds) after a blocked one, before the image is withheld. */
  maxRegenerations: number;
  /** Per invocation: throttling, a loading model and 5xx are retried with backoff. */
  retry: RetryPolicy;
  moderation: ImageModerationPolicy;
}

/** Rekognition moderation taxonomy v6 and v7 names, as the stack's default `blockedImageCategories`. */
export const DEFAULT_BLOCKED_CATEGORIES: readonly string[] = PIPELINE_DEFAULTS.blockedImageCategories;

export const DEFAULT_GENERATION_POLICY: Readonly<GenerationPolicy> = Object.freeze({
  steps: 30,
  guidanceScale: 7.5,
  maxRegenerations: PIPELINE_DEFAULTS.maxRegenerations,
  retry: Object.freeze({ maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 10_000 }),
  moderation: Object.freeze({
    blockedCategories: [...DEFAULT_BLOCKED_CATEGORIES],
    minConfidence: PIPELINE_DEFAULTS.imageModerationMinConfidence,
  }),
});

/**
 * MAX_REGENERATIONS (2), BLOCKED_CATEGORIES (comma separated; the list above), MODERATION_MIN_CONFIDENCE (60).
 * Steps, guidance and the invocation retries are the policy's own: the stack does not configure them.
 */
export function readGenerationPolicyFromEnvironment(env: Environment = process.env): GenerationPolicy {
  const d = DEFAULT_GENERATION_POLICY;
  const blockedCategories = getListFromEnv(Env.blockedCategories, {
    defaultValue: d.moderation.blockedCategories,
    env,
  });
  if (blockedCategories.length === 0) {
    throw new MissingConfigurationError(
      'BLOCKED_CATEGORIES names no category: every image would be delivered',
    );
  }
  return {
    steps: d.steps,
    guidanceScale: d.guidanceScale,
    maxRegenerations: getNumberFromEnv(Env.maxRegenerations, {
      defaultValue: d.maxRegenerations,
      integer: true,
      min: 0,
      max: 10,
      env,
    }),
    retry: { ...d.retry },
    moderation: {
      blockedCategories,
      minConfidence: getNumberFromEnv(Env.moderationMinConfidence, {
        defaultValue: d.moderation.minConfidence,
        integer: true,
        min: 0,
        max: 100,
        env,
      }),
    },
  };
}

export interface GenerateScreenedImageDeps {
  endpoint: ModelEndpoint;
  screen: ImageScreen;
  store: ObjectStore;
  policy: GenerationPolicy;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  log: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * GenerateScreenedImage: one image of one prompt. Generates on the multi-model endpoint, screens the PNG, and
 * delivers it under avatars/; a blocked image goes to quarantine/ and is generated again with a new, still
 * deterministic seed (seedFor(..., attempt)), up to `maxRegenerations` times, then withheld with the labels.
 * Re-running the same job writes the same keys: a retried Map iteration delivers nothing twice.
 * @throws GenerationUnavailableError when the endpoint stays unavailable through the retries
 * @throws ScreeningUnavailableError when Rekognition is throttled or failing
 */
export async function generateScreenedImage(
  input: { request: GenerationRequest; job: GenerationJob },
  deps: GenerateScreenedImageDeps,
): Promise<GeneratedImageResult> {
  // The model must be the one of this request's subject and tenant: a forged request never uses another's.
  if (input.request.targetModel !== targetModelOf(input.request, input.request.modelVersion)) {
    throw new OwnershipError(
      `GenerateScreenedImage was given the TargetModel "${input.request.targetModel}", which is not the model ${input.request.modelVersion} of ${input.request.tenantId}/${input.request.subjectId}; nothing was generated`,
    );
  }
  const { request, job } = input;
  const { policy } = deps;
  const generations = 1 + policy.maxRegenerations;
  let blocked = 0;
  let seed = job.seed;
  let lastReason = '';
  for (let attempt = 1; attempt <= generations; attempt++) {
    seed = attempt === 1 ? job.seed : seedFor(request.requestId, job.promptId, job.imageIndex, attempt - 1);
    const png = await generate(request, job, seed, deps);
    const blocking = blockingLabels(await deps.screen.moderationLabels(png), policy.moderation);
    if (blocking.length === 0) {
      const key = avatarKey(request, job);
      await deps.store.put(key, png, 'image/png');
      return {
        promptId: job.promptId,
        imageIndex: job.imageIndex,
        status: 'delivered',
        key,
        seed,
        attempts: attempt,
        blocked,
      };
    }
    blocked++;
    lastReason = describeLabels(blocking);
    await deps.store.put(quarantineKey(request, job, attempt), png, 'image/png');
    deps.log('Generated image blocked by image moderation', {
      requestId: request.requestId,
      promptId: job.promptId,
      imageIndex: job.imageIndex,
      attempt,
      seed,
      labels: lastReason,
    });
  }
  return {
    promptId: job.promptId,
    imageIndex: job.imageIndex,
    status: 'withheld',
    seed,
    attempts: generations,
    blocked,
    reason: `Image moderation blocked all ${generations} generated image(s) (${policy.maxRegenerations} regeneration(s) with new seeds); last: ${lastReason}`,
  };
}

async function generate(
  request: GenerationRequest,
  job: GenerationJob,
  seed: number,
  deps: GenerateScreenedImageDeps,
): Promise<Uint8Array> {
  const body = generationRequest({
    prompt: job.prompt,
    negativePrompt: job.negativePrompt,
    seed,
    steps: deps.policy.steps,
    guidanceScale: deps.policy.guidanceScale,
  });
  try {
    const response = await withRetries(
      () => deps.endpoint.invoke(request.targetModel, body),
      deps.policy.retry,
      {
        ...deps,
        log: (message, fields) =>
          deps.log(message, { ...fields, targetModel: request.targetModel, promptId: job.promptId, seed }),
      },
    );
    return imageFromResponse(response);
  } catch (error) {
    if (error instanceof RetriesExhaustedError) {
      const last = error.lastError as Error;
      throw new GenerationUnavailableError(
        `Model ${request.targetModel} could not generate ${job.promptId}-${job.imageIndex} after ${error.attempts} attempt(s): ${last?.name}: ${last?.message}`,
        { cause: last },
      );
    }
    throw error;
  }
}
