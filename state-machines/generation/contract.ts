/**
 * What flows through the generation state machine. It is started by an EventBridge rule on the pipeline's bus,
 * with the whole event as input: `Model Ready` (our own) or `Avatar Generation Requested` (a partner's).
 */
import type {
  AvatarsReady,
  GenerationFailed,
  PromptRejected,
  RequestRejected,
} from '../../events/pipeline-events.js';

/** The EventBridge envelope the rule delivers. */
export interface GenerationExecutionInput {
  'detail-type': string;
  source: string;
  id: string;
  detail: unknown;
}

export interface GenerationRequest {
  requestId: string;
  subjectId: string;
  modelVersion: string;
  targetModel: string;
  correlationId?: string;
  requestedBy: 'model-ready' | 'partner';
}

/** One prompt to screen and, if it passes, to generate `seeds.length` images from. */
export interface PlannedPrompt {
  promptId: string;
  /** Token and class word substituted ("a portrait of zwx woman as ..."). */
  prompt: string;
  negativePrompt: string;
  style?: string;
  /** One per image; recorded so a result can be reproduced. */
  seeds: number[];
}

/**
 * PrepareGeneration: `valid` drives the Choice state. Input: the execution input (the event). `failureBase` is
 * the `Generation Failed` detail without `reason` / `advice`, which the failure path merges in (so the
 * correlation id comes back in that event too).
 */
export type PrepareGenerationOutput =
  | {
      valid: true;
      request: GenerationRequest;
      prompts: PlannedPrompt[];
      failureBase: Omit<GenerationFailed, 'reason' | 'advice'>;
    }
  | { valid: false; rejected: RequestRejected };

/** One image to generate: what the Map over `$.screening.jobs` iterates. */
export interface GenerationJob {
  promptId: string;
  prompt: string;
  negativePrompt: string;
  seed: number;
  imageIndex: number;
}

/** ScreenPrompts. Input: `{ request, prompts }`. */
export interface ScreenPromptsOutput {
  accepted: PlannedPrompt[];
  rejected: PromptRejected[];
  jobs: GenerationJob[];
}

/** GenerateScreenedImage. Input: `{ request, job }`. Regenerates with a new seed while images are blocked. */
export type GeneratedImageResult =
  | {
      promptId: string;
      imageIndex: number;
      status: 'delivered';
      key: string;
      seed: number;
      attempts: number;
      blocked: number;
    }
  | {
      promptId: string;
      imageIndex: number;
      status: 'withheld';
      seed: number;
      attempts: number;
      blocked: number;
      reason: string;
    };

/** CompileAvatars. Input: `{ request, prompts, screening, results }`; `outcome` drives the last Choice. */
export type CompileAvatarsOutput =
  | { outcome: 'ready'; avatarsReady: AvatarsReady }
  | { outcome: 'failed'; generationFailed: GenerationFailed };

export const GenerationStates = {
  prepare: 'PrepareGeneration',
  isRequestValid: 'IsRequestValid',
  publishRequestRejected: 'PublishRequestRejected',
  requestRejected: 'RequestRejected',
  screenPrompts: 'ScreenPrompts',
  publishPromptRejections: 'PublishPromptRejections',
  publishPromptRejected: 'PublishPromptRejected',
  generateImages: 'GenerateImages',
  generateScreenedImage: 'GenerateScreenedImage',
  recordImageFailure: 'RecordImageFailure',
  recordScreeningFailure: 'RecordScreeningFailure',
  publishScreeningFailed: 'PublishScreeningFailed',
  screeningFailed: 'ScreeningFailed',
  compile: 'CompileAvatars',
  hasAvatars: 'HasAvatars',
  publishAvatarsReady: 'PublishAvatarsReady',
  avatarsReady: 'AvatarsReady',
  publishGenerationFailed: 'PublishGenerationFailed',
  generationFailed: 'GenerationFailed',
} as const;
