import { z } from 'zod';
import { SubjectId } from '../../events/identifiers.js';
import { SubjectSettings } from '../../events/subject-settings.js';

/**
 * The HTTP API's bodies, declared once: the routes validate with them and `npm run api:openapi` writes the
 * OpenAPI document from them (`z.toJSONSchema`), with the events' own schemas (subject.json's settings) inside.
 */

/** The content type each photo extension is uploaded with (signed into its presigned PUT). */
export const PHOTO_CONTENT_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

export const PhotoName = z
  .string()
  .min(1)
  .max(200)
  .regex(
    /^(?!\/)(?!.*(^|\/)\.\.(\/|$))(?!.*\/$)[^\\]+$/,
    'a path inside the subject folder, such as "IMG_0001.jpg"',
  )
  .refine((name) => name.toLowerCase() !== 'subject.json', 'subject.json is written by the API from settings')
  .refine(
    (name) => (name.split('.').pop()?.toLowerCase() ?? '') in PHOTO_CONTENT_TYPES,
    'a photo file name ending in .jpg, .jpeg, .png or .webp',
  );

export const CreateSubjectBody = z
  .object({
    id: SubjectId.optional().describe(
      'Your id for the subject (unique in your tenant); a new one is made without it',
    ),
    photos: z
      .array(PhotoName)
      .min(1)
      .max(50)
      .refine((names) => new Set(names).size === names.length, 'each photo name once')
      .describe('The photos you will upload: the subject is sealed as soon as all of them have arrived'),
    settings: SubjectSettings.optional().describe(
      'The same settings as subject.json (photos come from "photos")',
    ),
  })
  .strict();
export type CreateSubjectBody = z.infer<typeof CreateSubjectBody>;

const Upload = z.object({
  name: z.string(),
  method: z.literal('PUT'),
  url: z.string(),
  headers: z
    .record(z.string(), z.string())
    .describe('Send exactly these headers with the PUT: they are signed'),
  expiresAt: z.string(),
  maxBytes: z.number().int().describe('Larger photos are refused on arrival'),
});

export const CreatedSubject = z.object({ id: SubjectId, uploads: z.array(Upload) });

export const SubjectStatus = z.enum([
  'receiving',
  'validating',
  'rejected',
  'queued',
  'training',
  'ready',
  'failed',
]);
export type SubjectStatus = z.infer<typeof SubjectStatus>;

export const PhotoVerdictView = z.object({
  name: z.string(),
  verdict: z
    .enum(['awaiting-upload', 'received', 'accepted', 'excluded'])
    .describe('excluded: not used for training, with reason and advice'),
  reason: z.string().nullable(),
  advice: z.string().nullable(),
});
export type PhotoVerdictView = z.infer<typeof PhotoVerdictView>;

export const SubjectView = z.object({
  id: SubjectId,
  status: SubjectStatus,
  reason: z.string().nullable().describe('Why it was rejected or failed'),
  photos: z.array(PhotoVerdictView),
  model: z.object({ version: z.string() }).nullable(),
});
export type SubjectView = z.infer<typeof SubjectView>;

export const SubjectList = z.object({
  items: z.array(z.object({ id: SubjectId, createdAt: z.string() })),
  nextCursor: z.string().nullable().describe('Send as ?cursor= for the next page; null on the last one'),
});

export const CreateGenerationBody = z
  .object({
    prompts: z.array(z.string().min(1).max(4000)).min(1).max(20).optional(),
    styles: z.array(z.string().min(1).max(60)).min(1).max(20).optional(),
    imagesPerPrompt: z.number().int().min(1).max(8).optional(),
  })
  .strict()
  .refine((body) => (body.prompts === undefined) !== (body.styles === undefined), {
    message: 'send either prompts or styles (exactly one of them)',
    path: ['prompts'],
  });
export type CreateGenerationBody = z.infer<typeof CreateGenerationBody>;

export const GenerationStatus = z.enum(['queued', 'running', 'succeeded', 'failed']);
export type GenerationStatus = z.infer<typeof GenerationStatus>;

export const AcceptedGeneration = z.object({ id: z.string(), status: GenerationStatus });

export const GenerationView = z.object({
  id: z.string(),
  status: GenerationStatus,
  reason: z.string().nullable(),
  avatars: z.array(z.object({ prompt: z.string(), url: z.string(), expiresAt: z.string() })),
  withheld: z.array(z.object({ prompt: z.string(), reason: z.string() })),
  rejectedPrompts: z.array(z.object({ prompt: z.string(), rule: z.string(), reason: z.string() })),
});
export type GenerationView = z.infer<typeof GenerationView>;

export const GenerationList = z.object({
  items: z.array(z.object({ id: z.string(), createdAt: z.string(), images: z.number().int() })),
  nextCursor: z.string().nullable(),
});

export const ListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(2000).optional(),
  })
  .strict();

export const ProblemDocument = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string(), fix: z.string() })),
});
