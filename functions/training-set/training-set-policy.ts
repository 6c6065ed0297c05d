import { TRAINING_PREFIX } from '../platform/bucket-layout.js';
import { type Environment, getNumberFromEnv, getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { PIPELINE_DEFAULTS } from '../platform/pipeline-defaults.js';

export interface TrainingSetPolicy {
  /** Side of the square training images; DreamBooth on SD 2.1-base trains at 512. */
  resolution: number;
  /** Where training sets are written in the bucket; ends with `/`. */
  trainingPrefix: string;
  /** Safety net for every decode; validation already refused larger photos. */
  maxPixels: number;
}

export const DEFAULT_TRAINING_SET_POLICY: Readonly<TrainingSetPolicy> = Object.freeze({
  resolution: PIPELINE_DEFAULTS.trainingResolution,
  trainingPrefix: TRAINING_PREFIX,
  maxPixels: PIPELINE_DEFAULTS.maxPixels,
});

/** The policy a deployed function runs with (TRAINING_RESOLUTION, TRAINING_PREFIX, MAX_PIXELS); the local runtime uses it too. */
export function readTrainingSetPolicyFromEnvironment(env: Environment = process.env): TrainingSetPolicy {
  const resolution = getNumberFromEnv(Env.trainingResolution, {
    defaultValue: DEFAULT_TRAINING_SET_POLICY.resolution,
    integer: true,
    min: 64,
    max: 2048,
    env,
  });
  const prefix = getStringFromEnv(Env.trainingPrefix, {
    defaultValue: DEFAULT_TRAINING_SET_POLICY.trainingPrefix,
    env,
  });
  return {
    resolution,
    trainingPrefix: prefix.endsWith('/') ? prefix : `${prefix}/`,
    maxPixels: getNumberFromEnv(Env.maxPixels, { defaultValue: DEFAULT_TRAINING_SET_POLICY.maxPixels, env }),
  };
}
