import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { TOXICITY_LABELS } from '../functions/generation/toxicity-labels.js';

/**
 * Everything a deployer may change, read from CDK context (`cdk.json`, `-c key=value` or
 * `createPipelineApp({ context })`). Every key is optional; the defaults below are the documented behaviour.
 */
export interface PipelineConfig {
  /** CloudFormation stack name. Context `stackName`, default `AvatarPipeline`. */
  stackName: string;
  /** Name of the pipeline's own EventBridge bus. Context `eventBusName`, default `avatar-pipeline`. */
  eventBusName: string;
  /**
   * Keep the photos bucket and the subject ledger when the stack is deleted. Context `retainData`, default true;
   * `false` (for dev stacks) destroys them and empties the bucket on delete.
   */
  retainData: boolean;
  /** Retention of every log group the stack creates, in days. Context `logRetentionDays`, default 30. */
  logRetentionDays: number;
  /** Optional address subscribed to the notification topic. Context `notificationEmail`. */
  notificationEmail: string | undefined;
  /**
   * Build the sharp layer (linux-arm64 binaries installed with npm). Context `sharpLayer`, default true. `false` leaves
   * the image functions without sharp: only for synth-only checks that must not touch the npm registry.
   */
  sharpLayer: boolean;
  /** Fewest usable photos for a subject to be trained. Context `minPhotos`, default 10. */
  minPhotos: number;
  /** Most photos considered per subject. Context `maxPhotos`, default 15. */
  maxPhotos: number;
  /** Shortest side a photo must have, in pixels. Context `minSidePx`, default 512. */
  minSidePx: number;
  /** Largest photo accepted, in bytes. Context `maxFileBytes`, default 40 MiB. */
  maxFileBytes: number;
  /** Largest decoded photo accepted, in pixels (sharp's `limitInputPixels`). Context `maxPixels`, default 50 M. */
  maxPixels: number;
  /** A folder with no new photo for this long is sealed. Context `quietPeriodSeconds`, default 60. */
  quietPeriodSeconds: number;
  /** A folder that never reaches `minPhotos` is sealed (and rejected) after this. Context `incompleteTimeoutSeconds`, default 900. */
  incompleteTimeoutSeconds: number;
  /** Side of the square training crops, in pixels. Context `trainingResolution`, default 512. */
  trainingResolution: number;
  /**
   * The Stable Diffusion pipeline that DreamBooth fine-tunes and that serving loads under every adapter: a Hugging
   * Face model id (`owner/name`) or the `s3://bucket/prefix/` of a saved pipeline. The SAME value reaches the
   * training and the serving containers as env `BASE_MODEL` (the seed trained on 2.1-base and served 2.1: never
   * again). With an `s3://` value both execution roles may read that prefix. Context `baseModel`, default
   * `stabilityai/stable-diffusion-2-1-base`.
   */
  baseModel: string;
  /** GPU instance of the asynchronous training endpoint. Context `trainingInstanceType`, default `ml.g5.xlarge`. */
  trainingInstanceType: string;
  /**
   * Trainings that may run at once: the training endpoint's maximum instance count (one training per instance).
   * A fresh account's endpoint quota for ml.g5.xlarge typically allows 1; raise the quota first, then this.
   * Context `trainingConcurrency`, default 1.
   */
  trainingConcurrency: number;
  /**
   * Longest a single training invocation may run on the endpoint (`InvocationTimeoutSeconds` of
   * InvokeEndpointAsync; SageMaker's maximum is 3600). Context `trainingInvocationTimeoutSeconds`, default 3600.
   */
  trainingInvocationTimeoutSeconds: number;
  /**
   * How long the training workflow waits for the endpoint's SNS callback, queueing and scale-from-zero included;
   * at least `trainingInvocationTimeoutSeconds`. Context `trainingTimeoutSeconds`, default 7200.
   */
  trainingTimeoutSeconds: number;
  /** GPU instance of the multi-model (serving) endpoint. Context `servingInstanceType`, default `ml.g5.2xlarge`. */
  servingInstanceType: string;
  /** Instances behind the multi-model endpoint (always on). Context `servingInstanceCount`, default 1. */
  servingInstanceCount: number;
  /**
   * A prebuilt training image in ECR (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>` or `@sha256:...`)
   * used instead of building `sagemaker/training` at deploy (which needs Docker). Context `trainingImageUri`.
   */
  trainingImageUri: string | undefined;
  /** The same for the serving (Triton) image built from `sagemaker/serving`. Context `servingImageUri`. */
  servingImageUri: string | undefined;
  /**
   * Images of one generation request generated at once (the Map's MaxConcurrency): bounded so that one subject
   * cannot starve the shared multi-model endpoint. Context `imageConcurrency`, default 2.
   */
  imageConcurrency: number;
  /**
   * How many times an image that image moderation blocked is generated again (with a new seed) before it is
   * withheld. Context `maxRegenerations`, default 2.
   */
  maxRegenerations: number;
  /**
   * Requested lifetime of the presigned avatar links, in seconds; at most 604800 (7 days, S3's SigV4 limit).
   * A presigned URL is never valid longer than the credentials that signed it (see Generation).
   * Context `linkExpirySeconds`, default 604800.
   */
  linkExpirySeconds: number;
  /**
   * What to do with a prompt that is not in English (Comprehend's toxicity detection is English only): `reject`
   * it, or `allow-unscreened` (generate without text screening; images are still screened). Context
   * `nonEnglishPromptPolicy`, default `reject`.
   */
  nonEnglishPromptPolicy: NonEnglishPromptPolicy;
  /** Extra deny-list entries for prompts, comma-separated, on top of the built-in list. Context `promptDenyList`, default ''. */
  promptDenyList: string;
  /**
   * Toxicity thresholds as a JSON object of label (`TOXICITY`, `SEXUAL`, `HATE_SPEECH`, ...) to a score from 0 to 1
   * above which a prompt is rejected; unset = the built-in thresholds. Context `toxicityThresholds` (a JSON string,
   * or an object in cdk.json).
   */
  toxicityThresholds: string | undefined;
  /** Most images one generation request may ask for (prompts x images per prompt). Context `maxImagesPerRequest`, default 24. */
  maxImagesPerRequest: number;
  /**
   * Rekognition moderation categories (top-level or second-level label names, comma-separated) that block a
   * generated image. Context `blockedImageCategories`.
   */
  blockedImageCategories: string;
  /** Lowest Rekognition confidence (0-100) at which a moderation label counts. Context `imageModerationMinConfidence`, default 60. */
  imageModerationMinConfidence: number;
}

export const NON_ENGLISH_PROMPT_POLICIES = ['reject', 'allow-unscreened'] as const;
export type NonEnglishPromptPolicy = (typeof NON_ENGLISH_PROMPT_POLICIES)[number];

export const DEFAULT_CONFIG: PipelineConfig = {
  stackName: 'AvatarPipeline',
  eventBusName: 'avatar-pipeline',
  retainData: true,
  logRetentionDays: 30,
  notificationEmail: undefined,
  sharpLayer: true,
  minPhotos: 10,
  maxPhotos: 15,
  minSidePx: 512,
  maxFileBytes: 40 * 1024 * 1024,
  maxPixels: 50_000_000,
  quietPeriodSeconds: 60,
  incompleteTimeoutSeconds: 900,
  trainingResolution: 512,
  baseModel: 'stabilityai/stable-diffusion-2-1-base',
  trainingInstanceType: 'ml.g5.xlarge',
  trainingConcurrency: 1,
  trainingInvocationTimeoutSeconds: 3600,
  trainingTimeoutSeconds: 7200,
  servingInstanceType: 'ml.g5.2xlarge',
  servingInstanceCount: 1,
  trainingImageUri: undefined,
  servingImageUri: undefined,
  imageConcurrency: 2,
  maxRegenerations: 2,
  linkExpirySeconds: 604_800,
  nonEnglishPromptPolicy: 'reject',
  promptDenyList: '',
  toxicityThresholds: undefined,
  maxImagesPerRequest: 24,
  blockedImageCategories:
    'Explicit,Explicit Nudity,Non-Explicit Nudity of Intimate parts and Kissing,Violence,Visually Disturbing,Hate Symbols,Drugs & Tobacco',
  imageModerationMinConfidence: 60,
};

/** Keys of `toxicityThresholds`: TOXICITY (the overall score) and Comprehend's labels, refused at synth otherwise. */
export const TOXICITY_THRESHOLD_KEYS: readonly string[] = ['TOXICITY', ...TOXICITY_LABELS];

/** S3's limit on a SigV4 presigned URL (7 days). */
export const MAX_PRESIGNED_URL_SECONDS = 604_800;

/** SageMaker's limit on an asynchronous invocation (`InvocationTimeoutSeconds`). */
export const MAX_ASYNC_INVOCATION_SECONDS = 3600;

/** A GPU instance type SageMaker hosting offers: `ml.<g or p family>.<size>` (ml.g5.xlarge, ml.p4d.24xlarge). */
const GPU_INSTANCE_TYPE = /^ml\.[gp][0-9][a-z0-9]*\.(\d*x)?large$/;
/** A Hugging Face model id (`owner/name`) or an S3 prefix (`s3://bucket/key...`). */
const BASE_MODEL =
  /^([A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+)$/;
/** An image in a private ECR repository, by tag or by digest. */
const ECR_IMAGE_URI =
  /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;

export class InvalidConfigurationError extends Error {
  override name = 'InvalidConfigurationError';
}

/** Reads the config from context. `-c key=value` arrives as a string, so numbers and booleans are parsed here. */
export function readPipelineConfig(node: Node): PipelineConfig {
  const integer = (key: keyof PipelineConfig, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = node.tryGetContext(key);
    if (raw === undefined) return DEFAULT_CONFIG[key] as number;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      throw new InvalidConfigurationError(
        `Context "${key}"=${JSON.stringify(raw)} must be an integer ${range}`,
      );
    }
    return value;
  };
  const flag = (key: keyof PipelineConfig): boolean => {
    const raw = node.tryGetContext(key);
    if (raw === undefined) return DEFAULT_CONFIG[key] as boolean;
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    throw new InvalidConfigurationError(`Context "${key}"=${JSON.stringify(raw)} must be true or false`);
  };
  const text = (key: keyof PipelineConfig, pattern: RegExp, what?: string): string | undefined => {
    const raw = node.tryGetContext(key);
    if (raw === undefined) return DEFAULT_CONFIG[key] as string | undefined;
    if (typeof raw !== 'string' || !pattern.test(raw)) {
      throw new InvalidConfigurationError(
        `Context "${key}"=${JSON.stringify(raw)} must ${what ? `be ${what} (${pattern})` : `match ${pattern}`}`,
      );
    }
    return raw;
  };
  /** A comma-separated list of entries, each matching `entry`; empty allowed when `allowEmpty`. */
  const list = (key: keyof PipelineConfig, entry: RegExp, allowEmpty: boolean, maxLength: number): string => {
    const raw = node.tryGetContext(key);
    if (raw === undefined) return DEFAULT_CONFIG[key] as string;
    const fail = (why: string): never => {
      throw new InvalidConfigurationError(`Context "${key}"=${JSON.stringify(raw)} ${why}`);
    };
    if (typeof raw !== 'string') return fail('must be a comma-separated string');
    if (raw.length > maxLength) fail(`is longer than ${maxLength} characters`);
    const entries = raw.split(',').map((e) => e.trim());
    if (raw.trim() === '') return allowEmpty ? '' : fail('must name at least one entry');
    for (const e of entries) {
      if (!entry.test(e)) fail(`has an entry ${JSON.stringify(e)} that does not match ${entry}`);
    }
    return entries.join(',');
  };
  const oneOf = <T extends string>(key: keyof PipelineConfig, allowed: readonly T[]): T => {
    const raw = node.tryGetContext(key);
    if (raw === undefined) return DEFAULT_CONFIG[key] as T;
    if (!allowed.includes(raw)) {
      throw new InvalidConfigurationError(
        `Context "${key}"=${JSON.stringify(raw)} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`,
      );
    }
    return raw as T;
  };
  const thresholds = (key: keyof PipelineConfig): string | undefined => {
    const raw = node.tryGetContext(key);
    if (raw === undefined) return DEFAULT_CONFIG[key] as string | undefined;
    const fail = (why: string): never => {
      throw new InvalidConfigurationError(
        `Context "${key}"=${JSON.stringify(raw)} ${why}: expected a JSON object of label to a score from 0 to 1, e.g. {"TOXICITY":0.5,"SEXUAL":0.3}`,
      );
    };
    let value: unknown = raw;
    if (typeof raw === 'string') {
      try {
        value = JSON.parse(raw);
      } catch {
        fail('is not JSON');
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('is not an object');
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) fail('names no label');
    for (const [label, score] of entries) {
      if (!TOXICITY_THRESHOLD_KEYS.includes(label))
        fail(`has an unknown label ${JSON.stringify(label)} (known: ${TOXICITY_THRESHOLD_KEYS.join(', ')})`);
      if (typeof score !== 'number' || !(score >= 0 && score <= 1))
        fail(`gives ${label} ${JSON.stringify(score)}, not a number from 0 to 1`);
    }
    return JSON.stringify(value);
  };

  const config: PipelineConfig = {
    stackName: text('stackName', /^[A-Za-z][A-Za-z0-9-]{0,127}$/) as string,
    eventBusName: text('eventBusName', /^[A-Za-z0-9._-]{1,256}$/) as string,
    retainData: flag('retainData'),
    logRetentionDays: integer('logRetentionDays', 1),
    notificationEmail: text('notificationEmail', /^[^@\s]+@[^@\s]+$/),
    sharpLayer: flag('sharpLayer'),
    minPhotos: integer('minPhotos', 1),
    maxPhotos: integer('maxPhotos', 1),
    minSidePx: integer('minSidePx', 1),
    maxFileBytes: integer('maxFileBytes', 1),
    maxPixels: integer('maxPixels', 1),
    quietPeriodSeconds: integer('quietPeriodSeconds', 1),
    incompleteTimeoutSeconds: integer('incompleteTimeoutSeconds', 1),
    trainingResolution: integer('trainingResolution', 64),
    baseModel: text(
      'baseModel',
      BASE_MODEL,
      'a Hugging Face model id (owner/name) or an s3://bucket/prefix of a saved pipeline',
    ) as string,
    trainingInstanceType: text(
      'trainingInstanceType',
      GPU_INSTANCE_TYPE,
      'a GPU instance type such as ml.g5.xlarge',
    ) as string,
    trainingConcurrency: integer('trainingConcurrency', 1),
    // SageMaker accepts 1 to 3600; short values are for tests of the timeout path.
    trainingInvocationTimeoutSeconds: integer(
      'trainingInvocationTimeoutSeconds',
      1,
      MAX_ASYNC_INVOCATION_SECONDS,
    ),
    trainingTimeoutSeconds: integer('trainingTimeoutSeconds', 1),
    servingInstanceType: text(
      'servingInstanceType',
      GPU_INSTANCE_TYPE,
      'a GPU instance type such as ml.g5.2xlarge (GPU multi-model endpoints need one)',
    ) as string,
    servingInstanceCount: integer('servingInstanceCount', 1),
    trainingImageUri: text('trainingImageUri', ECR_IMAGE_URI, 'an ECR image URI'),
    servingImageUri: text('servingImageUri', ECR_IMAGE_URI, 'an ECR image URI'),
    // An inline Map runs at most 40 iterations at once.
    imageConcurrency: integer('imageConcurrency', 1, 40),
    maxRegenerations: integer('maxRegenerations', 0, 10),
    linkExpirySeconds: integer('linkExpirySeconds', 1, MAX_PRESIGNED_URL_SECONDS),
    nonEnglishPromptPolicy: oneOf('nonEnglishPromptPolicy', NON_ENGLISH_PROMPT_POLICIES),
    // Lambda caps a function's environment at 4 KB in all.
    promptDenyList: list('promptDenyList', /^[^,\s][^,]{0,99}$/, true, 2000),
    toxicityThresholds: thresholds('toxicityThresholds'),
    // Avatar Generation Requested allows 20 prompts x 8 images per prompt.
    maxImagesPerRequest: integer('maxImagesPerRequest', 1, 160),
    blockedImageCategories: list(
      'blockedImageCategories',
      /^[A-Za-z0-9][A-Za-z0-9 &'/-]{0,99}$/,
      false,
      1000,
    ),
    imageModerationMinConfidence: integer('imageModerationMinConfidence', 0, 100),
  };
  if (!Object.values(RetentionDays).includes(config.logRetentionDays)) {
    throw new InvalidConfigurationError(
      `Context logRetentionDays (${config.logRetentionDays}) is not a retention CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, ...)`,
    );
  }
  if (config.maxPhotos < config.minPhotos) {
    throw new InvalidConfigurationError(
      `Context maxPhotos (${config.maxPhotos}) is below minPhotos (${config.minPhotos})`,
    );
  }
  if (config.trainingTimeoutSeconds < config.trainingInvocationTimeoutSeconds) {
    throw new InvalidConfigurationError(
      `Context trainingTimeoutSeconds (${config.trainingTimeoutSeconds}) is below trainingInvocationTimeoutSeconds (${config.trainingInvocationTimeoutSeconds}): the workflow would stop waiting before the training may end`,
    );
  }
  return config;
}
