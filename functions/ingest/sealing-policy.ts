import { type Environment, getNumberFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { PIPELINE_DEFAULTS } from '../platform/pipeline-defaults.js';

/** When a folder that nobody declared complete is considered complete. */
export interface SealingPolicy {
  /** Photos needed before a set is sealed by the settle or quiet period (fewer wait for the incomplete timeout). */
  minPhotos: number;
  /** With subject.json present: no new object for this long seals the set (a folder drop is over in seconds). */
  settlePeriodSeconds: number;
  /**
   * With subject.json naming its photos: how often the settle check looks for the last of them (no quiet period
   * applies; the set seals as soon as all are there).
   */
  photoListPollSeconds: number;
  /** Without subject.json: no new object for this long seals a set with enough photos. */
  quietPeriodSeconds: number;
  /** A folder with too few photos is sealed after this long anyway, so the person hears why it was rejected. */
  incompleteTimeoutSeconds: number;
  /** A subject whose execution was not confirmed started within this long is started again by the sweep. */
  startRetryAfterSeconds: number;
}

export const DEFAULT_SEALING_POLICY: Readonly<SealingPolicy> = Object.freeze({
  minPhotos: PIPELINE_DEFAULTS.minPhotos,
  settlePeriodSeconds: PIPELINE_DEFAULTS.settlePeriodSeconds,
  photoListPollSeconds: 5,
  quietPeriodSeconds: PIPELINE_DEFAULTS.quietPeriodSeconds,
  incompleteTimeoutSeconds: PIPELINE_DEFAULTS.incompleteTimeoutSeconds,
  startRetryAfterSeconds: 60,
});

export function sealingPolicyFromEnv(env: Environment = process.env): SealingPolicy {
  const seconds = (name: Parameters<typeof getNumberFromEnv>[0], defaultValue: number) =>
    getNumberFromEnv(name, { defaultValue, integer: true, min: 1, env });
  return {
    minPhotos: seconds(Env.minPhotos, DEFAULT_SEALING_POLICY.minPhotos),
    settlePeriodSeconds: seconds(Env.settlePeriodSeconds, DEFAULT_SEALING_POLICY.settlePeriodSeconds),
    photoListPollSeconds: DEFAULT_SEALING_POLICY.photoListPollSeconds,
    quietPeriodSeconds: seconds(Env.quietPeriodSeconds, DEFAULT_SEALING_POLICY.quietPeriodSeconds),
    incompleteTimeoutSeconds: seconds(
      Env.incompleteTimeoutSeconds,
      DEFAULT_SEALING_POLICY.incompleteTimeoutSeconds,
    ),
    startRetryAfterSeconds: DEFAULT_SEALING_POLICY.startRetryAfterSeconds,
  };
}
