import { MissingConfigurationError } from '../platform/environment.js';

/** Environment variables as the Lambda runtime gives them, or as the local runtime passes a function's. */
export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

/**
 * Like platform's numberEnv, but over a given set of variables, so the local runtime can build exactly the
 * policy a deployed function would from the variables CDK gives it.
 */
export function numberFrom(env: EnvironmentVariables, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new MissingConfigurationError(`Environment variable ${name}="${raw}" is not a number`);
  }
  return value;
}
