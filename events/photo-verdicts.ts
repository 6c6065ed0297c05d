import * as z from 'zod';

/** Why one photo cannot be used, in words the person who dropped it can act on. */
export const PhotoProblemCode = z.enum([
  'EMPTY_FILE',
  'NOT_AN_IMAGE',
  'UNSUPPORTED_FORMAT',
  'HEIC_NOT_SUPPORTED',
  'TRUNCATED_OR_CORRUPT',
  'FILE_TOO_LARGE',
  'TOO_MANY_PIXELS',
  'TOO_SMALL',
  'EXACT_DUPLICATE',
  'NEAR_DUPLICATE',
  'NO_FACE',
  'MULTIPLE_FACES',
  'FACE_TOO_SMALL',
  'FACE_NOT_FRONTAL',
  'TOO_BLURRY',
  'BAD_LIGHTING',
  'UNSAFE_CONTENT',
  'DIFFERENT_PERSON',
  'OVER_SET_LIMIT',
]);
export type PhotoProblemCode = z.infer<typeof PhotoProblemCode>;

export const ExcludedPhoto = z.object({
  key: z.string().describe('Object key of the photo in the ingest bucket'),
  fileName: z.string().describe('The file name alone (the last part of the key)'),
  path: z
    .string()
    .describe(
      'Path of the photo inside its subject folder (subjects/<id>/a/photo.jpg -> a/photo.jpg): how reason and advice name it',
    ),
  code: PhotoProblemCode,
  reason: z.string().describe('What is wrong with this photo'),
  advice: z.string().describe('What to do about it'),
  duplicateOf: z.string().optional().describe('For duplicates: the key of the photo that was kept'),
});
export type ExcludedPhoto = z.infer<typeof ExcludedPhoto>;

export const UsedPhoto = z.object({
  key: z.string(),
  fileName: z.string().describe('The file name alone (the last part of the key)'),
  path: z
    .string()
    .describe('Path of the photo inside its subject folder (subjects/<id>/a/photo.jpg -> a/photo.jpg)'),
  format: z.enum(['jpeg', 'png', 'webp']),
  width: z.number().int().positive().describe('Width after EXIF orientation is applied'),
  height: z.number().int().positive(),
  qualityScore: z.number().min(0).max(100).describe('Higher is better; used to keep the best photos'),
  notes: z
    .array(z.string())
    .optional()
    .describe(
      'What was done to the photo: an animated WebP/PNG is used by its first frame only; a transparent background is flattened onto white, for validation and training alike',
    ),
});
export type UsedPhoto = z.infer<typeof UsedPhoto>;

/** Who performed the face and content checks: never let a local stand-in pass for Rekognition. */
export const ChecksPerformedBy = z.object({
  faceAnalysis: z.enum(['amazon-rekognition', 'local-stand-in']),
  contentModeration: z.enum(['amazon-rekognition', 'local-stand-in']),
  faceComparison: z
    .enum(['amazon-rekognition', 'local-stand-in'])
    .optional()
    .describe('Who compared each photo with the reference face of the set (the same person?)'),
  note: z.string().optional(),
});
export type ChecksPerformedBy = z.infer<typeof ChecksPerformedBy>;
