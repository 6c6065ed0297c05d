/** Reads configuration that CDK passes to a function as environment variables. */
export class MissingConfigurationError extends Error {
  override name = 'MissingConfigurationError';
}

/** The variables a function was deployed with: process.env on Lambda, the template's values in local mode. */
export type Environment = Record<string, string | undefined>;

export function requiredEnv(name: string, env: Environment = process.env): string {
  const value = env[name];
  if (!value) {
    throw new MissingConfigurationError(
      `Environment variable ${name} is not set: the function was deployed without its configuration; redeploy the stack`,
    );
  }
  return value;
}

export function numberEnv(name: string, fallback: number, env: Environment = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new MissingConfigurationError(`Environment variable ${name}="${raw}" is not a number`);
  }
  return value;
}
