import * as z from 'zod';
import { declaredEnvironment, type Environment } from './environment.js';
import type { EnvironmentVariableName } from './environment-variables.js';
import { PipelineError } from './errors.js';

/** What a built task does: its parsed input in, its result out. */
export type TaskRun<In, Out> = (input: In) => Promise<Out>;

/**
 * One task of the pipeline, defined once: its name (the `avatar-pipeline:local-handler` metadata of its function,
 * and the key in the task registry), the handler file infra bundles, the environment variables it reads (infra
 * must give exactly these), how its input is parsed at the edge, and how it is built from its environment and its
 * ports. The Lambda handler builds it with the AWS ports; the local runtime builds it with the local ports.
 */
export interface TaskDescriptor<
  Name extends string,
  In,
  Out,
  Ports,
  Vars extends EnvironmentVariableName = EnvironmentVariableName,
> {
  readonly name: Name;
  /** The Lambda entry, relative to the repository root: a one-line file over this descriptor. */
  readonly entry: string;
  /** Every environment variable the task reads; reading another one throws. */
  readonly env: readonly Vars[];
  /** Turns the raw event into the task's input, or throws an error that names the field. */
  readonly parse: (event: unknown) => In;
  readonly build: (env: Environment, ports: Ports) => TaskRun<In, Out>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds descriptors of every input, output and ports type.
export type AnyTaskDescriptor = TaskDescriptor<string, any, any, any, EnvironmentVariableName>;
/** The ports a task is built with (read off its `build`). */
export type PortsOf<T> = T extends { build: (env: Environment, ports: infer P) => unknown } ? P : never;
/** What a task's `parse` returns: the input of its run. */
export type InputOf<T> = T extends { parse: (event: unknown) => infer I } ? I : never;
/** What a task's run resolves to. */
export type OutputOf<T> = T extends { build: (env: Environment, ports: never) => TaskRun<never, infer O> }
  ? O
  : never;

/** Declares a task; the identity function, there for the types and to keep every descriptor in one shape. */
export function defineTask<Name extends string, In, Out, Ports, Vars extends EnvironmentVariableName>(
  descriptor: TaskDescriptor<Name, In, Out, Ports, Vars>,
): TaskDescriptor<Name, In, Out, Ports, Vars> {
  return descriptor;
}

/** Builds a task with the environment it declares (and nothing else) and the given ports. */
export function buildTask<In, Out, Ports>(
  task: TaskDescriptor<string, In, Out, Ports, EnvironmentVariableName>,
  env: Environment,
  ports: Ports,
): TaskRun<In, Out> {
  return task.build(declaredEnvironment(env, task.env, task.name), ports);
}

/** A task's payload did not match its contract: a wiring mistake in the workflow (or a forged call), never retried. */
export class MalformedTaskInputError extends PipelineError {
  override readonly name: string = 'MalformedTaskInputError';
  readonly retryable = false;
}

type MalformedInputErrorClass = new (message: string, options?: ErrorOptions) => Error;

/**
 * The one shape of an edge parser: the contract's schema, and on failure an error naming the task and each bad
 * field (`z.prettifyError`), of the capability's own class so that a Catch rule or a reader can tell it apart.
 */
export function taskInputParser<Schema extends z.ZodType>(
  task: string,
  schema: Schema,
  ErrorClass: MalformedInputErrorClass = MalformedTaskInputError,
): (payload: unknown) => z.output<Schema> {
  return (payload: unknown): z.output<Schema> => {
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      throw new ErrorClass(`${task} received a malformed payload: ${z.prettifyError(parsed.error)}`, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  };
}
