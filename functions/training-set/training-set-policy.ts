import { type Environment, MissingConfigurationError, numberEnv } from '../platform/environment.js';

export interface TrainingSetPolicy {
  /** Side of the square training images; DreamBooth on SD 2.1-base trains at 512. */
  resolution: number;
  /** Where training sets are written in the bucket; ends with `/`. */
  trainingPrefix: string;
  /** Safety net for every decode; validation already refused larger photos. */
  maxPixels: number;
}

export const DEFAULT_TRAINING_SET_POLICY: Readonly<TrainingSetPolicy> = Object.freeze({
  resolution: 512,
  trainingPrefix: 'training/',
  maxPixels: 50_000_000,
});

/** The policy a deployed function runs with (TRAINING_RESOLUTION, TRAINING_PREFIX, MAX_PIXELS); the local runtime uses it too. */
export function readTrainingSetPolicyFromEnvironment(env: Environment = process.env): TrainingSetPolicy {
  const resolution = numberEnv('TRAINING_RESOLUTION', DEFAULT_TRAINING_SET_POLICY.resolution, env);
  if (!Number.isInteger(resolution) || resolution < 64 || resolution > 2048) {
    throw new MissingConfigurationError(
      `TRAINING_RESOLUTION must be an integer from 64 to 2048, got ${resolution}`,
    );
  }
  const prefix = env.TRAINING_PREFIX || DEFAULT_TRAINING_SET_POLICY.trainingPrefix;
  return {
    resolution,
    trainingPrefix: prefix.endsWith('/') ? prefix : `${prefix}/`,
    maxPixels: numberEnv('MAX_PIXELS', DEFAULT_TRAINING_SET_POLICY.maxPixels, env),
  };
}
