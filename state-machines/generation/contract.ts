/**
 * The generation workflow's contract, the only source of what flows through it. It is started by an EventBridge
 * rule on the pipeline's bus, with the whole event as input: `Model Ready` (our own) or `Avatar Generation
 * Requested` (a partner's). `workflow.ts` wires these paths with CDK; the task descriptors parse with these
 * schemas; the error classes take their names from here.
 */

import * as z from 'zod';
import { DEFAULT_TENANT_ID, TenantId } from '../../events/identifiers.js';
import {
  AvatarsReady,
  GenerationFailed,
  PromptRejected,
  RequestRejected,
} from '../../events/pipeline-events.js';
import { RunMode } from '../../events/run-mode.js';
import { EventBridgeSchema } from '../../functions/platform/aws-event-schemas.js';
import type { ContractError } from '../error-contract.js';

/**
 * The EventBridge envelope the rule delivers, as Powertools' EventBridge schema has it, cut to the fields the
 * workflow reads (a test or a replay may start it with just those); the detail is judged by PrepareGeneration (a
 * bad request is an answer, not a crash).
 */
export const GenerationExecutionInput = EventBridgeSchema.pick({
  'detail-type': true,
  source: true,
  id: true,
  detail: true,
}).extend({
  id: z.string().min(1),
  /**
   * Set only by the HTTP API, which starts the execution itself (StartExecution): the tenant its authorizer found.
   * An event a rule delivers cannot carry it (EventBridge's envelope has no such field).
   */
  apiRequest: z.object({ tenantId: TenantId, clientId: z.string().min(1) }).optional(),
  /** The account that put the event on the bus: it decides the tenant of a partner's request. */
  account: z.string().optional(),
});
export type GenerationExecutionInput = z.infer<typeof GenerationExecutionInput>;

export const GenerationRequest = z.object({
  requestId: z.string().min(1),
  /** The tenant that owns the subject and its model: decided by the pipeline, never by what a caller sends. */
  tenantId: TenantId.default(DEFAULT_TENANT_ID),
  subjectId: z.string().min(1),
  modelVersion: z.string().min(1),
  targetModel: z.string().min(1),
  correlationId: z.string().optional(),
  requestedBy: z.enum(['model-ready', 'partner']),
  /** dry-run: the stand-in generates (no GPU time); absent means live. */
  mode: RunMode.optional(),
});
export type GenerationRequest = z.infer<typeof GenerationRequest>;

/** One prompt to screen and, if it passes, to generate `seeds.length` images from. */
export const PlannedPrompt = z.object({
  promptId: z.string().min(1),
  /** Token and class word substituted ("a portrait of zwx woman as ..."). */
  prompt: z.string(),
  negativePrompt: z.string(),
  style: z.string().optional(),
  /** One per image; recorded so a result can be reproduced. */
  seeds: z.array(z.number().int()),
});
export type PlannedPrompt = z.infer<typeof PlannedPrompt>;

/**
 * PrepareGeneration: `valid` drives the Choice state. `failureBase` is the `Generation Failed` detail without
 * `reason` / `advice`, which the failure path merges in (so the correlation id comes back in that event too).
 */
export const PrepareGenerationOutput = z.discriminatedUnion('valid', [
  z.object({
    valid: z.literal(true),
    request: GenerationRequest,
    prompts: z.array(PlannedPrompt),
    failureBase: GenerationFailed.omit({ reason: true, advice: true }),
  }),
  z.object({ valid: z.literal(false), rejected: RequestRejected }),
]);
export type PrepareGenerationOutput = z.infer<typeof PrepareGenerationOutput>;

/** One image to generate: what the Map over `$.screening.jobs` iterates. */
export const GenerationJob = z.object({
  promptId: z.string().min(1),
  prompt: z.string(),
  negativePrompt: z.string(),
  seed: z.number().int(),
  imageIndex: z.number().int().nonnegative(),
});
export type GenerationJob = z.infer<typeof GenerationJob>;

export const ScreenPromptsInput = z.object({ request: GenerationRequest, prompts: z.array(PlannedPrompt) });
export type ScreenPromptsInput = z.infer<typeof ScreenPromptsInput>;

export const ScreenPromptsOutput = z.object({
  accepted: z.array(PlannedPrompt),
  rejected: z.array(PromptRejected),
  jobs: z.array(GenerationJob),
});
export type ScreenPromptsOutput = z.infer<typeof ScreenPromptsOutput>;

export const GenerateScreenedImageInput = z.object({ request: GenerationRequest, job: GenerationJob });
export type GenerateScreenedImageInput = z.infer<typeof GenerateScreenedImageInput>;

/** GenerateScreenedImage's result: regenerated with a new seed while images are blocked. */
export const GeneratedImageResult = z.discriminatedUnion('status', [
  z.object({
    promptId: z.string(),
    imageIndex: z.number().int(),
    status: z.literal('delivered'),
    key: z.string(),
    seed: z.number().int(),
    attempts: z.number().int(),
    blocked: z.number().int(),
  }),
  z.object({
    promptId: z.string(),
    imageIndex: z.number().int(),
    status: z.literal('withheld'),
    seed: z.number().int(),
    attempts: z.number().int(),
    blocked: z.number().int(),
    reason: z.string(),
  }),
]);
export type GeneratedImageResult = z.infer<typeof GeneratedImageResult>;

export const CompileAvatarsInput = z.object({
  request: GenerationRequest,
  prompts: z.array(PlannedPrompt),
  screening: z.object({
    accepted: z.array(PlannedPrompt),
    // Published as Prompt Rejected already; only counted and named here.
    rejected: z.array(z.object({ promptId: z.string(), rule: z.string() }).passthrough()),
    jobs: z.array(GenerationJob),
  }),
  results: z.array(GeneratedImageResult),
});
export type CompileAvatarsInput = z.infer<typeof CompileAvatarsInput>;

/** CompileAvatars' result: `outcome` drives the last Choice. */
export const CompileAvatarsOutput = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('ready'), avatarsReady: AvatarsReady }),
  z.object({ outcome: z.literal('failed'), generationFailed: GenerationFailed }),
]);
export type CompileAvatarsOutput = z.infer<typeof CompileAvatarsOutput>;

/** Each task's schemas, by state name: the local runtime checks every result against its output schema. */
export const GenerationTaskSchemas = {
  PrepareGeneration: { input: GenerationExecutionInput, output: PrepareGenerationOutput },
  ScreenPrompts: { input: ScreenPromptsInput, output: ScreenPromptsOutput },
  GenerateScreenedImage: { input: GenerateScreenedImageInput, output: GeneratedImageResult },
  CompileAvatars: { input: CompileAvatarsInput, output: CompileAvatarsOutput },
} as const;

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

/** Where each state writes its result in the execution state. */
export const GenerationPaths = {
  prepared: '$.prepared',
  screening: '$.screening',
  results: '$.results',
  compiled: '$.compiled',
  failure: '$.failure',
  failureText: '$.failureText',
  /** Inside the image Map: where a caught image error lands before it becomes a withheld result. */
  imageError: '$.error',
} as const;

/** The error names the workflow's Retry and Catch rules match; a Retry rule lists exactly the retryable ones. */
export const GenerationErrors = {
  /** ScreenPrompts: Comprehend throttled or down. */
  screeningUnavailable: { name: 'ScreeningUnavailableError', retryable: true },
  /** GenerateScreenedImage: the endpoint stayed throttled or unavailable through its own retries. */
  generationUnavailable: { name: 'GenerationUnavailableError', retryable: true },
  /** Any task: its payload did not match this contract (a wiring mistake). */
  malformedTaskInput: { name: 'MalformedGenerationTaskInputError', retryable: false },
  /** `error` of the Fail state when screening was unavailable: nothing unscreened is ever generated. */
  screeningFailed: { name: 'ScreeningFailed', retryable: false },
} as const satisfies Record<string, ContractError>;
