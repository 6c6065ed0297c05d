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
    photos: z
      .array(
        z
          .string()
          .min(1)
          .max(512)
          .regex(
            /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\\]+$/,
            'a path inside the subject folder, such as "IMG_0001.jpg"',
          ),
      )
      .min(1)
      .max(50)
      .optional()
      .describe(
        'The photos of this set, as paths inside the subject folder: the set is sealed as soon as all of them have arrived',
      ),
    photoCount: z
      .number()
      .int()
      .min(1)
      .max(50)
      .optional()
      .describe('How many photos this set has: the set is sealed as soon as that many have arrived'),
    webhook: z
      .object({
        url: z.url({ protocol: /^https$/ }).describe('HTTPS endpoint that receives signed Standard Webhooks'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine(
    (settings) => !settings.photos || !settings.photoCount || settings.photoCount === settings.photos.length,
    {
      message: 'photoCount must equal the number of photos listed (or give only one of the two)',
      path: ['photoCount'],
    },
  );
export type SubjectSettings = z.infer<typeof SubjectSettings>;
