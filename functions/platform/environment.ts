import type { EnvironmentVariableName } from './environment-variables.js';
import { ConfigurationError } from './errors.js';

/** The variables a function was deployed with: process.env on Lambda, the template's values in local mode. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A variable is missing or unusable: the function was deployed (or started locally) without its configuration. */
export class MissingConfigurationError extends ConfigurationError {
  override readonly name = 'MissingConfigurationError';
  readonly retryable = false;
}

/** A task read a variable its descriptor does not declare: infra would not give it, so the read is a bug. */
export class UndeclaredEnvironmentVariableError extends ConfigurationError {
  override readonly name = 'UndeclaredEnvironmentVariableError';
  readonly retryable = false;
}

interface ReadOptions<T> {
  /** Used when the variable is unset or empty; without one, an unset variable is an error. */
  defaultValue?: T;
  env?: Environment;
}

/** A string variable (Powertools' `getStringFromEnv`, with the variable names of environment-variables.ts). */
export function getStringFromEnv(name: EnvironmentVariableName, options: ReadOptions<string> = {}): string {
  const value = (options.env ?? process.env)[name];
  if (value) return value;
  if (options.defaultValue !== undefined) return options.defaultValue;
  throw new MissingConfigurationError(
    `Environment variable ${name} is not set: the function was deployed without its configuration; redeploy the stack`,
  );
}

interface NumberOptions extends ReadOptions<number> {
  integer?: boolean;
  min?: number;
  max?: number;
}

/** A number variable within bounds; `"12abc"` or `"1.5"` for an integer is an error naming the variable. */
export function getNumberFromEnv(name: EnvironmentVariableName, options: NumberOptions = {}): number {
  const raw = (options.env ?? process.env)[name];
  if (raw === undefined || raw === '') {
    if (options.defaultValue !== undefined) return options.defaultValue;
    throw new MissingConfigurationError(
      `Environment variable ${name} is not set: the function was deployed without its configuration; redeploy the stack`,
    );
  }
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new MissingConfigurationError(`Environment variable ${name}="${raw}" is not a number`);
  }
  const { integer = false, min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY } = options;
  if ((integer && !Number.isInteger(value)) || value < min || value > max) {
    const kind = integer ? 'an integer' : 'a number';
    const range = Number.isFinite(max) ? ` from ${min} to ${max}` : Number.isFinite(min) ? ` >= ${min}` : '';
    throw new MissingConfigurationError(`${name} must be ${kind}${range}, got ${value}`);
  }
  return value;
}

/** A comma-separated list; entries trimmed, empty entries dropped. */
export function getListFromEnv(
  name: EnvironmentVariableName,
  options: ReadOptions<readonly string[]> = {},
): string[] {
  const raw = (options.env ?? process.env)[name];
  if (!raw) {
    if (options.defaultValue !== undefined) return [...options.defaultValue];
    throw new MissingConfigurationError(`Environment variable ${name} is not set`);
  }
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/**
 * The environment as one task may see it: reading a variable that the task's descriptor does not declare throws,
 * so the declared list (which infra must fill, and a test checks against the template) is the whole truth.
 */
export function declaredEnvironment(
  env: Environment,
  declared: readonly EnvironmentVariableName[],
  task: string,
): Environment {
  const allowed = new Set<string>(declared);
  return new Proxy(env, {
    get(target, property) {
      if (typeof property === 'string' && !allowed.has(property)) {
        throw new UndeclaredEnvironmentVariableError(
          `Task ${task} read ${property}, which its descriptor does not declare: add it to the descriptor's env (and infra gives it)`,
        );
      }
      return Reflect.get(target, property);
    },
  });
}
