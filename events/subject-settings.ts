import { z } from 'zod';
import { TrainingOverrides } from './training-settings.js';

/**
 * The optional `subject.json` dropped beside the photos. Unknown fields are refused so a typo
 * ("classword") is reported instead of silently ignored.
 */
export const SubjectSettings = z
  .object({
    classWord: z
      .string()
      .regex(/^[a-z][a-z ]{1,30}$/, 'a lower-case noun such as "person", "man", "woman", "child"')
      .default('person'),
    token: z
      .string()
      .regex(/^[a-z]{3,8}$/, '3 to 8 lower-case letters, a rare word such as "zwx"')
      .default('zwx')
      .describe('Rare token that names this subject in prompts'),
    prompts: z.array(z.string().min(1).max(2000)).max(20).optional(),
    styles: z.array(z.string().min(1).max(60)).max(20).optional(),
    imagesPerPrompt: z.number().int().min(1).max(8).optional(),
    training: TrainingOverrides.optional().describe(
      'DreamBooth LoRA hyperparameters to override, each within documented bounds (events/training-settings.ts)',
    ),
    webhook: z
      .object({
        url: z.url({ protocol: /^https$/ }).describe('HTTPS endpoint that receives signed Standard Webhooks'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type SubjectSettings = z.infer<typeof SubjectSettings>;
