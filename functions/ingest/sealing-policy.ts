import { type Environment, getNumberFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { PIPELINE_DEFAULTS } from '../platform/pipeline-defaults.js';

/** When a folder that nobody declared complete is considered complete. */
export interface SealingPolicy {
  /** Photos needed before a quiet folder (or one with subject.json) is sealed. */
  minPhotos: number;
  /** A folder with enough photos and no new object for this long is sealed. */
  quietPeriodSeconds: number;
  /** A folder with too few photos is sealed after this long anyway, so the person hears why it was rejected. */
  incompleteTimeoutSeconds: number;
  /** A sealed subject whose start was not confirmed within this long is started again. */
  startRetryAfterSeconds: number;
}

export const DEFAULT_SEALING_POLICY: SealingPolicy = {
  minPhotos: PIPELINE_DEFAULTS.minPhotos,
  quietPeriodSeconds: PIPELINE_DEFAULTS.quietPeriodSeconds,
  incompleteTimeoutSeconds: PIPELINE_DEFAULTS.incompleteTimeoutSeconds,
  startRetryAfterSeconds: 60,
};

export function sealingPolicyFromEnv(env: Environment = process.env): SealingPolicy {
  return {
    minPhotos: getNumberFromEnv(Env.minPhotos, { defaultValue: DEFAULT_SEALING_POLICY.minPhotos, env }),
    quietPeriodSeconds: getNumberFromEnv(Env.quietPeriodSeconds, {
      defaultValue: DEFAULT_SEALING_POLICY.quietPeriodSeconds,
      env,
    }),
    incompleteTimeoutSeconds: getNumberFromEnv(Env.incompleteTimeoutSeconds, {
      defaultValue: DEFAULT_SEALING_POLICY.incompleteTimeoutSeconds,
      env,
    }),
    startRetryAfterSeconds: DEFAULT_SEALING_POLICY.startRetryAfterSeconds,
  };
}
