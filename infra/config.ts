import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';

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
}

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
};

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
