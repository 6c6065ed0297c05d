import type { z } from 'zod';
import { ErasureTaskSchemas } from '../../state-machines/erasure/contract.js';
import { GenerationTaskSchemas } from '../../state-machines/generation/contract.js';
import { TrainingTaskSchemas } from '../../state-machines/training/contract.js';
import { WebhookTaskSchemas } from '../../state-machines/webhooks/contract.js';
import type { LocalEventBus, PutEventsEntry } from './local-event-bus.js';
import { LocalQueues } from './local-queues.js';
import type { LocalTaskTokens } from './local-task-tokens.js';
import type { AslDefinition, AslState, SynthesizedPipeline } from './synthesized-pipeline.js';

/** A local implementation of one Lambda function: takes the payload, returns what the function returns. */
export type LocalFunction = (payload: unknown) => Promise<unknown>;

export class UnsupportedTaskResourceError extends Error {
  override name = 'UnsupportedTaskResourceError';
}

/** A task returned what its workflow contract does not allow: the contract or the task is wrong, and both run here. */
export class ContractViolationError extends Error {
  override name = 'ContractViolationError';
}

/** The output schema of each Lambda task state of both workflows, by state name. */
const OUTPUT_SCHEMAS: ReadonlyMap<string, z.ZodType> = new Map(
  [
    ...Object.entries(TrainingTaskSchemas),
    ...Object.entries(GenerationTaskSchemas),
    ...Object.entries(WebhookTaskSchemas),
    ...Object.entries(ErasureTaskSchemas),
  ].map(([state, schemas]) => [state, schemas.output as z.ZodType]),
);

/**
 * An error thrown by a local function, presented as Step Functions presents a Lambda function error:
 * the error name is the function's error type, the cause a JSON object with errorType and errorMessage.
 */
export class LocalFunctionError extends Error {
  constructor(original: Error) {
    super(JSON.stringify({ errorType: original.name, errorMessage: original.message }));
    this.name = original.name;
  }
}

export interface LocalTaskContext {
  pipeline: SynthesizedPipeline;
  functions: Record<string, LocalFunction>;
  bus: LocalEventBus;
  taskTokens: LocalTaskTokens;
  /** Called before each local function runs, e.g. to count invocations. */
  onInvoke?: (functionName: string) => void;
}

type TaskHandler = (input: unknown) => Promise<unknown>;

/**
 * One local handler per Task state of the definition (including states nested in Map and Parallel),
 * chosen by the state's Resource, so the engine runs the same ASL with local stand-ins for the services.
 */
export function localTaskHandlers(
  definition: AslDefinition,
  context: LocalTaskContext,
): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  const visit = (def: AslDefinition) => {
    for (const [name, state] of Object.entries(def.States)) {
      if (state.Type === 'Task') handlers[name] = handlerFor(name, state, context);
      for (const branch of state.Branches ?? []) visit(branch);
      if (state.ItemProcessor) visit(state.ItemProcessor);
      if (state.Iterator) visit(state.Iterator);
    }
  };
  visit(definition);
  return handlers;
}

function handlerFor(stateName: string, state: AslState, context: LocalTaskContext): TaskHandler {
  const resource = String(state.Resource);
  if (resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
    return (input) => invokeAndWaitForTaskToken(stateName, state, input, context);
  }
  if (resource === 'arn:aws:states:::lambda:invoke' || resource.startsWith('arn:aws:lambda:')) {
    return (input) => invokeLocalFunction(stateName, resource, input, context);
  }
  if (resource === 'arn:aws:states:::events:putEvents') {
    return async (input) => context.bus.putEvents((input as { Entries: PutEventsEntry[] }).Entries);
  }
  if (resource === 'arn:aws:states:::sqs:sendMessage') {
    // A queue is a JSON-lines file beside the bus's events.jsonl (the webhooks dead-letter queue).
    return async (input) =>
      LocalQueues.beside(context.bus.file).send(input as { QueueUrl: string; MessageBody: unknown });
  }
  throw new UnsupportedTaskResourceError(
    `State "${stateName}" uses ${resource}, which has no local implementation; add one in local/runtime/local-tasks.ts`,
  );
}

async function invokeLocalFunction(
  stateName: string,
  resource: string,
  input: unknown,
  context: LocalTaskContext,
): Promise<unknown> {
  // The optimized integration passes { FunctionName, Payload }; a bare Lambda ARN passes the input itself.
  const optimized = resource === 'arn:aws:states:::lambda:invoke';
  const { FunctionName, Payload } = optimized
    ? (input as { FunctionName: string; Payload: unknown })
    : { FunctionName: resource, Payload: input };
  const name = context.pipeline.localHandlerByFunctionArn.get(FunctionName);
  const fn = name ? context.functions[name] : undefined;
  if (!name || !fn) {
    throw new UnsupportedTaskResourceError(
      `State "${stateName}" invokes ${FunctionName}, which has no local implementation (${name ?? 'no avatar-pipeline:local-handler metadata'})`,
    );
  }
  context.onInvoke?.(name);
  let result: unknown;
  try {
    result = await fn(Payload);
  } catch (error) {
    throw new LocalFunctionError(error as Error);
  }
  assertContractOutput(stateName, result);
  return optimized ? { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 } : result;
}

/**
 * `.waitForTaskToken`: the function starts the work and returns; the state's result is what the callback
 * sends. Our workflows pass the token as `Payload.taskToken`. Past the state's TimeoutSeconds the token is
 * dropped, so a late callback is answered "stale" as Step Functions answers TaskTimedOut.
 */
async function invokeAndWaitForTaskToken(
  stateName: string,
  state: AslState,
  input: unknown,
  context: LocalTaskContext,
): Promise<unknown> {
  const { FunctionName, Payload } = input as { FunctionName: string; Payload: { taskToken?: unknown } };
  const token = Payload?.taskToken;
  if (typeof token !== 'string') {
    throw new UnsupportedTaskResourceError(
      `State "${stateName}" waits for a task token but does not pass one as Payload.taskToken`,
    );
  }
  const callback = context.taskTokens.expect(token);
  const timeoutSeconds = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined;
  const expiry = timeoutSeconds
    ? setTimeout(() => context.taskTokens.abandon(token), timeoutSeconds * 1000)
    : undefined;
  try {
    await invokeLocalFunction(
      stateName,
      'arn:aws:states:::lambda:invoke',
      { FunctionName, Payload },
      context,
    );
    return await callback;
  } catch (error) {
    context.taskTokens.abandon(token);
    throw error;
  } finally {
    clearTimeout(expiry);
  }
}

/** Every result is checked against the workflow contract locally, so a contract that drifted from its task fails here. */
function assertContractOutput(stateName: string, result: unknown): void {
  const schema = OUTPUT_SCHEMAS.get(stateName);
  if (!schema) return;
  const checked = schema.safeParse(result);
  if (!checked.success) {
    throw new ContractViolationError(
      `State "${stateName}" returned a result its contract does not allow: ${checked.error.issues
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ')}`,
    );
  }
}
