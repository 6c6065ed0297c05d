/**
 * The documented defaults that both the stack's config (infra/config-schema.ts) and the functions' policies use,
 * written once: the config passes them to the functions as environment variables, and the policies fall back to
 * the same values when a unit test or a tool builds one without an environment.
 */
export const PIPELINE_DEFAULTS = Object.freeze({
  /** Fewer usable photos and DreamBooth overfits on too little. */
  minPhotos: 10,
  /** More adds training time without adding likeness. */
  maxPhotos: 15,
  minSidePx: 512,
  maxFileBytes: 40 * 1024 * 1024,
  maxPixels: 50_000_000,
  /** After subject.json, a drop is over once nothing new arrived for this long. */
  settlePeriodSeconds: 15,
  quietPeriodSeconds: 60,
  incompleteTimeoutSeconds: 900,
  trainingResolution: 512,
  baseModel: 'stabilityai/stable-diffusion-2-1-base',
  maxRegenerations: 2,
  /** S3's limit on a SigV4 presigned URL (7 days). */
  linkExpirySeconds: 604_800,
  maxImagesPerRequest: 24,
  /** Days the bucket keeps dropped photos and their crops (`photoRetentionDays`; Astria deletes after 30 days too). */
  photoRetentionDays: 30,
  /** Rekognition moderation taxonomy v6 and v7 names, so either model version is covered. */
  blockedImageCategories: Object.freeze([
    'Explicit',
    'Explicit Nudity',
    'Non-Explicit Nudity of Intimate parts and Kissing',
    'Violence',
    'Visually Disturbing',
    'Hate Symbols',
    'Drugs & Tobacco',
  ]),
  imageModerationMinConfidence: 60,
  nonEnglishPromptPolicy: 'reject' as 'reject' | 'allow-unscreened',
});
