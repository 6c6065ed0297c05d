import { type Environment, getNumberFromEnv, MissingConfigurationError } from '../platform/environment.js';
import {
  EnvironmentVariables as Env,
  type EnvironmentVariableName,
} from '../platform/environment-variables.js';
import { PIPELINE_DEFAULTS } from '../platform/pipeline-defaults.js';
import { InvalidValidationPolicyError } from './errors.js';
import { SAME_SHOT_DISTANCES } from './perceptual-hash.js';

/** The thresholds that decide whether a photo, and the set, can train a model. */
export interface ValidationPolicy {
  /** Fewer usable photos than this and DreamBooth overfits on too little: the subject is rejected. */
  minPhotos: number;
  /** More than this adds training time without adding likeness: the best ones are kept. */
  maxPhotos: number;
  /** Shorter side after EXIF orientation; training crops are 512 px and must not be upscaled much. */
  minSidePx: number;
  /** Refused from `head`, before a byte is downloaded. */
  maxFileBytes: number;
  /** Refused from the image header, before any decode: a decompression bomb must not cost memory. */
  maxPixels: number;
  /**
   * Differing bits at or under which two photos count as the same shot: of the 256-bit wide dHash, or of a 144-bit
   * framing hash (perceptual-hash.ts; `npm run bench` measures the rule's false positives and negatives).
   */
  nearDuplicateDistances: { wide: number; framing: number };
  /** Face box height as a ratio of the image height; smaller faces give blurry crops. */
  minFaceHeightRatio: number;
  maxYawDegrees: number;
  maxPitchDegrees: number;
  /** Face quality from the analyzer, 0-100 (Rekognition's scale). */
  minSharpness: number;
  minBrightness: number;
  maxBrightness: number;
  /** Top-level moderation categories that exclude a photo. */
  unsafeCategories: string[];
  /** Confidence (0-100) at which a moderation label in an unsafe category excludes a photo. */
  minUnsafeConfidence: number;
  /**
   * Similarity (0-100, CompareFaces) to the set's reference face under which a photo is taken for another person:
   * a mixed set would train a blend of two people.
   */
  minSamePersonSimilarity: number;
  /** Photos processed at once: 4 x a 12 MP photo stays far below a 1 GB Lambda. */
  concurrency: number;
  /** Long side of the single decode that every check shares (shrink-on-load makes it cheap). */
  analysisLongSidePx: number;
}

export const DEFAULT_VALIDATION_POLICY: Readonly<ValidationPolicy> = Object.freeze({
  minPhotos: PIPELINE_DEFAULTS.minPhotos,
  maxPhotos: PIPELINE_DEFAULTS.maxPhotos,
  minSidePx: PIPELINE_DEFAULTS.minSidePx,
  maxFileBytes: PIPELINE_DEFAULTS.maxFileBytes,
  maxPixels: PIPELINE_DEFAULTS.maxPixels,
  nearDuplicateDistances: { ...SAME_SHOT_DISTANCES },
  minFaceHeightRatio: 0.15,
  maxYawDegrees: 30,
  maxPitchDegrees: 30,
  minSharpness: 10,
  minBrightness: 20,
  maxBrightness: 95,
  // Rekognition moderation taxonomy v6 and v7 names, so either model version is covered.
  unsafeCategories: ['Explicit Nudity', 'Explicit', 'Violence', 'Visually Disturbing', 'Hate Symbols'],
  minUnsafeConfidence: 80,
  // CompareFaces' own default threshold: the same person in different photos usually scores far above it.
  minSamePersonSimilarity: 80,
  concurrency: 4,
  // 960, not 1024: a 12 MP photo (4000 or 4032 px wide) then shrinks by 4 while decoding; 1024 would only allow 2.
  analysisLongSidePx: 960,
});

/** Defaults with overrides, checked so that a typo in configuration fails loudly instead of accepting everything. */
export function validationPolicy(overrides: Partial<ValidationPolicy> = {}): ValidationPolicy {
  const policy: ValidationPolicy = {
    ...DEFAULT_VALIDATION_POLICY,
    unsafeCategories: [...DEFAULT_VALIDATION_POLICY.unsafeCategories],
    ...overrides,
  };
  const positiveIntegers = [
    'minPhotos',
    'maxPhotos',
    'minSidePx',
    'maxFileBytes',
    'maxPixels',
    'concurrency',
    'analysisLongSidePx',
  ] as const;
  for (const name of positiveIntegers) {
    if (!Number.isInteger(policy[name]) || policy[name] < 1) {
      throw new InvalidValidationPolicyError(`${name} must be a positive integer, got ${policy[name]}`);
    }
  }
  if (policy.minPhotos > policy.maxPhotos) {
    throw new InvalidValidationPolicyError(
      `minPhotos (${policy.minPhotos}) must not exceed maxPhotos (${policy.maxPhotos})`,
    );
  }
  return policy;
}

/**
 * The policy a deployed function runs with: CDK sets these variables; unset ones take the defaults.
 * The local runtime calls this too, so both runtimes judge photos alike.
 */
export function readValidationPolicyFromEnvironment(env: Environment = process.env): ValidationPolicy {
  const number = (name: EnvironmentVariableName, defaultValue: number) =>
    getNumberFromEnv(name, { defaultValue, env });
  try {
    return validationPolicy({
      minPhotos: number(Env.minPhotos, DEFAULT_VALIDATION_POLICY.minPhotos),
      maxPhotos: number(Env.maxPhotos, DEFAULT_VALIDATION_POLICY.maxPhotos),
      minSidePx: number(Env.minSidePx, DEFAULT_VALIDATION_POLICY.minSidePx),
      maxFileBytes: number(Env.maxFileBytes, DEFAULT_VALIDATION_POLICY.maxFileBytes),
      maxPixels: number(Env.maxPixels, DEFAULT_VALIDATION_POLICY.maxPixels),
    });
  } catch (error) {
    if (error instanceof InvalidValidationPolicyError) {
      throw new MissingConfigurationError(
        `Validation settings in the environment are invalid: ${error.message}`,
      );
    }
    throw error;
  }
}
