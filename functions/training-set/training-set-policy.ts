import { MissingConfigurationError } from '../platform/environment.js';
import { type EnvironmentVariables, numberFrom } from '../validation/configuration-from-environment.js';

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
export function readTrainingSetPolicyFromEnvironment(
  env: EnvironmentVariables = process.env,
): TrainingSetPolicy {
  const resolution = numberFrom(env, 'TRAINING_RESOLUTION', DEFAULT_TRAINING_SET_POLICY.resolution);
  if (!Number.isInteger(resolution) || resolution < 64 || resolution > 2048) {
    throw new MissingConfigurationError(
      `TRAINING_RESOLUTION must be an integer from 64 to 2048, got ${resolution}`,
    );
  }
  const prefix = env.TRAINING_PREFIX || DEFAULT_TRAINING_SET_POLICY.trainingPrefix;
  return {
    resolution,
    trainingPrefix: prefix.endsWith('/') ? prefix : `${prefix}/`,
    maxPixels: numberFrom(env, 'MAX_PIXELS', DEFAULT_TRAINING_SET_POLICY.maxPixels),
  };
}
