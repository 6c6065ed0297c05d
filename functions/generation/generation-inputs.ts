import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';
import type {
  GenerationExecutionInput,
  GenerationJob,
  GenerationRequest,
  PlannedPrompt,
} from '../../state-machines/generation/contract.js';
import type { CompileAvatarsInput } from './compile-avatars.js';

/** A generation task received a payload of the wrong shape: a wiring mistake in the workflow, named by field. */
export class MalformedGenerationTaskInputError extends Error {
  override name = 'MalformedGenerationTaskInputError';
}

function parser<T>(task: string, schema: z.ZodType<T>) {
  return (payload: unknown): T => {
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      throw new MalformedGenerationTaskInputError(
        `${task} received a malformed payload: ${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data;
  };
}

const Request: z.ZodType<GenerationRequest> = z.object({
  requestId: z.string().min(1),
  subjectId: z.string().min(1),
  modelVersion: z.string().min(1),
  targetModel: z.string().min(1),
  correlationId: z.string().optional(),
  requestedBy: z.enum(['model-ready', 'partner']),
});

const Prompt: z.ZodType<PlannedPrompt> = z.object({
  promptId: z.string().min(1),
  prompt: z.string(),
  negativePrompt: z.string(),
  style: z.string().optional(),
  seeds: z.array(z.number().int()),
});

const Job: z.ZodType<GenerationJob> = z.object({
  promptId: z.string().min(1),
  prompt: z.string(),
  negativePrompt: z.string(),
  seed: z.number().int(),
  imageIndex: z.number().int().nonnegative(),
});

const Result = z.discriminatedUnion('status', [
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

/**
 * The EventBridge envelope only, as Powertools' EventBridge schema has it, cut to the fields the workflow reads
 * (a test or a replay may start the workflow with just those); the detail is judged by PrepareGeneration (a bad
 * request is an answer, not a crash).
 */
export const parsePrepareGenerationInput = parser<GenerationExecutionInput>(
  'PrepareGeneration',
  EventBridgeSchema.pick({ 'detail-type': true, source: true, id: true, detail: true }).extend({
    id: z.string().min(1),
  }) as z.ZodType<GenerationExecutionInput>,
);

export const parseScreenPromptsInput = parser(
  'ScreenPrompts',
  z.object({ request: Request, prompts: z.array(Prompt) }),
);

export const parseGenerateScreenedImageInput = parser(
  'GenerateScreenedImage',
  z.object({ request: Request, job: Job }),
);

export const parseCompileAvatarsInput = parser<CompileAvatarsInput>(
  'CompileAvatars',
  z.object({
    request: Request,
    prompts: z.array(Prompt),
    screening: z.object({
      accepted: z.array(Prompt),
      // Published as Prompt Rejected already; only counted and named here.
      rejected: z.array(z.object({ promptId: z.string(), rule: z.string() }).passthrough()),
      jobs: z.array(Job),
    }),
    results: z.array(Result),
  }) as unknown as z.ZodType<CompileAvatarsInput>,
);
