/** Reads configuration that CDK passes to a function as environment variables. */
export class MissingConfigurationError extends Error {
  override name = 'MissingConfigurationError';
}

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new MissingConfigurationError(
      `Environment variable ${name} is not set: the function was deployed without its configuration; redeploy the stack`,
    );
  }
  return value;
}

export function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new MissingConfigurationError(`Environment variable ${name}="${raw}" is not a number`);
  }
  return value;
}
