import { type Environment, numberEnv } from '../platform/environment.js';

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
  minPhotos: 10,
  quietPeriodSeconds: 60,
  incompleteTimeoutSeconds: 900,
  startRetryAfterSeconds: 60,
};

export function sealingPolicyFromEnv(env: Environment = process.env): SealingPolicy {
  return {
    minPhotos: numberEnv('MIN_PHOTOS', DEFAULT_SEALING_POLICY.minPhotos, env),
    quietPeriodSeconds: numberEnv('QUIET_PERIOD_SECONDS', DEFAULT_SEALING_POLICY.quietPeriodSeconds, env),
    incompleteTimeoutSeconds: numberEnv(
      'INCOMPLETE_TIMEOUT_SECONDS',
      DEFAULT_SEALING_POLICY.incompleteTimeoutSeconds,
      env,
    ),
    startRetryAfterSeconds: DEFAULT_SEALING_POLICY.startRetryAfterSeconds,
  };
}
