import { StateMachine } from 'aws-local-stepfunctions';
import type { ExecutionStarter } from '../../functions/task-registry.js';
import type { TrainingExecutionInput } from '../../state-machines/training/contract.js';
import type { AslDefinition, SynthesizedWorkflow } from './synthesized-pipeline.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './template-tokens.js';

export interface LocalExecutionRecord {
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  /** The input it was started with (StopSubjectExecutions reads whose execution it is). */
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  /** States entered plus retries: what Step Functions Standard bills as state transitions. */
  transitions: number;
  /** The output of each state the first time it exited (what GetExecutionHistory shows). */
  stateOutputs: Map<string, unknown>;
  startedAt: number;
  stoppedAt?: number;
}

export interface ExecutionProgress {
  execution: string;
  kind: 'entered' | 'retried' | 'caught' | 'failed' | 'succeeded';
  state?: string;
  detail?: string;
}

type TaskHandlers = Record<string, (input: unknown) => Promise<unknown>>;

/** Execution names used before, by earlier processes over the same data (a Standard workflow refuses them). */
export interface UsedExecutionNames {
  has(workflow: string, name: string): boolean;
  add(workflow: string, name: string): void;
}

/**
 * Step Functions on this machine: runs a synthesized workflow with aws-local-stepfunctions. Like a Standard
 * workflow, an execution name can be used once, and starting it again reports that it already exists.
 */
export class LocalStepFunctions implements ExecutionStarter {
  readonly executions = new Map<string, LocalExecutionRecord>();
  private readonly running = new Set<Promise<void>>();
  /** Stops a running execution, by name (StopExecution). */
  private readonly aborts = new Map<string, { abort: () => void; error: string; cause: string }>();
  private readonly machine: StateMachine;

  constructor(
    private readonly workflow: SynthesizedWorkflow,
    private readonly tasks: TaskHandlers,
    private readonly options: {
      onProgress?: (progress: ExecutionProgress) => void;
      /** Replaces every Retry interval (ms); the tests use 0 so retries do not wait. */
      retryIntervalMs?: number;
      /** Replaces the duration of every Wait state (ms): locally nobody needs to wait a minute between polls. */
      waitMs?: number;
      /** Names that earlier runs used: starting one again reports that it already exists, as on AWS. */
      usedNames?: UsedExecutionNames;
    } = {},
  ) {
    this.machine = new StateMachine(workflow.definition as never, { validationOptions: { checkArn: true } });
  }

  async start(name: string, input: TrainingExecutionInput | object): Promise<{ alreadyStarted: boolean }> {
    if (this.executions.has(name) || this.options.usedNames?.has(this.workflow.workflow, name)) {
      return { alreadyStarted: true };
    }
    this.options.usedNames?.add(this.workflow.workflow, name);
    const record: LocalExecutionRecord = {
      name,
      status: 'RUNNING',
      input,
      transitions: 0,
      stateOutputs: new Map(),
      startedAt: Date.now(),
    };
    this.executions.set(name, record);
    const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${this.workflow.logicalId}:${name}`;
    const run = this.machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: this.tasks as never,
        retryIntervalOverrides: this.retryOverrides(),
        waitTimeOverrides: this.waitOverrides(),
      },
      context: {
        Execution: { Id: executionArn, Name: name, Input: input, StartTime: new Date().toISOString() },
        StateMachine: {
          Id: executionArn.replace(/:execution:.*/, `:stateMachine:${this.workflow.logicalId}`),
        },
        // One token per execution: our workflows never wait on two tokens at once.
        Task: { Token: `local-task-token:${name}` },
      } as never,
    });
    this.aborts.set(name, { abort: () => run.abort(), error: '', cause: '' });
    const done = this.follow(record, run).finally(() => {
      this.running.delete(done);
      this.aborts.delete(name);
    });
    this.running.add(done);
    return { alreadyStarted: false };
  }

  /** The ARN an execution of this workflow has locally (what ListExecutions would return). */
  executionArnOf(name: string): string {
    return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${this.workflow.logicalId}:${name}`;
  }

  /** The executions still running, with their inputs (ListExecutions + DescribeExecution). */
  runningExecutions(): { executionArn: string; name: string; input: unknown }[] {
    return [...this.executions.values()]
      .filter((record) => record.status === 'RUNNING')
      .map((record) => ({
        executionArn: this.executionArnOf(record.name),
        name: record.name,
        input: record.input,
      }));
  }

  /** StopExecution: the execution ends ABORTED with this error and cause; one that already ended is left as is. */
  stop(executionArn: string, error: string, cause: string): void {
    const name = executionArn.split(':').pop() ?? '';
    const running = this.aborts.get(name);
    if (!running) return;
    running.error = error;
    running.cause = cause;
    running.abort();
  }

  get idle(): boolean {
    return this.running.size === 0;
  }

  /** Waits until no execution is running, including executions started while waiting. */
  async settled(): Promise<LocalExecutionRecord[]> {
    while (this.running.size > 0) await Promise.all([...this.running]);
    return [...this.executions.values()];
  }

  private async follow(record: LocalExecutionRecord, run: ReturnType<StateMachine['run']>): Promise<void> {
    const progress = (p: Omit<ExecutionProgress, 'execution'>) =>
      this.options.onProgress?.({ execution: record.name, ...p });
    const logs = (async () => {
      for await (const event of run.eventLogs) {
        const e = event as {
          type: string;
          state?: { name: string; output?: unknown };
          Error?: string;
          Cause?: string;
        };
        if (e.type === 'StateExited' && e.state && !record.stateOutputs.has(e.state.name)) {
          record.stateOutputs.set(e.state.name, e.state.output);
        }
        if (e.type === 'StateEntered') {
          record.transitions++;
          progress({ kind: 'entered', state: e.state?.name });
        } else if (e.type === 'StateRetried') {
          record.transitions++;
          progress({ kind: 'retried', state: e.state?.name });
        } else if (e.type === 'StateCaught') {
          progress({ kind: 'caught', state: e.state?.name });
        }
      }
    })();
    try {
      record.output = await run.result;
      record.status = 'SUCCEEDED';
      progress({ kind: 'succeeded' });
    } catch (error) {
      const stopped = this.aborts.get(record.name);
      if (stopped?.error) {
        record.status = 'ABORTED';
        record.error = stopped.error;
        record.cause = stopped.cause;
        progress({ kind: 'failed', detail: `stopped: ${stopped.error}` });
        return;
      }
      const cause = (error as { cause?: Error }).cause ?? (error as Error);
      record.status = 'FAILED';
      record.error = cause.name;
      record.cause = cause.message;
      progress({ kind: 'failed', detail: `${cause.name}: ${cause.message}` });
    } finally {
      record.stoppedAt = Date.now();
      await logs.catch(() => {});
    }
  }

  private waitOverrides(): Record<string, number> | undefined {
    if (this.options.waitMs === undefined) return undefined;
    const overrides: Record<string, number> = {};
    // Nested too: a Wait inside a Map iteration (the webhooks retry schedule) is compressed like any other.
    const visit = (def: AslDefinition) => {
      for (const [name, state] of Object.entries(def.States)) {
        if (state.Type === 'Wait') overrides[name] = this.options.waitMs as number;
        for (const branch of state.Branches ?? []) visit(branch);
        if (state.ItemProcessor) visit(state.ItemProcessor);
      }
    };
    visit(this.workflow.definition);
    return overrides;
  }

  private retryOverrides(): Record<string, number> | undefined {
    if (this.options.retryIntervalMs === undefined) return undefined;
    const overrides: Record<string, number> = {};
    const visit = (def: AslDefinition) => {
      for (const [name, state] of Object.entries(def.States)) {
        if (state.Retry) overrides[name] = this.options.retryIntervalMs as number;
        for (const branch of state.Branches ?? []) visit(branch);
        if (state.ItemProcessor) visit(state.ItemProcessor);
      }
    };
    visit(this.workflow.definition);
    return overrides;
  }
}
