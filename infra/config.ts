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
};

export class InvalidConfigurationError extends Error {
  override name = 'InvalidConfigurationError';
}

/** Reads the config from context. `-c key=value` arrives as a string, so numbers and booleans are parsed here. */
export function readPipelineConfig(node: Node): PipelineConfig {
  const integer = (key: keyof PipelineConfig, min: number): number => {
    const raw = node.tryGetContext(key);
    if (raw === undefined) return DEFAULT_CONFIG[key] as number;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new InvalidConfigurationError(
        `Context "${key}"=${JSON.stringify(raw)} must be an integer >= ${min}`,
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
  const text = (key: keyof PipelineConfig, pattern: RegExp): string | undefined => {
    const raw = node.tryGetContext(key);
    if (raw === undefined) return DEFAULT_CONFIG[key] as string | undefined;
    if (typeof raw !== 'string' || !pattern.test(raw)) {
      throw new InvalidConfigurationError(`Context "${key}"=${JSON.stringify(raw)} must match ${pattern}`);
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
  return config;
}
