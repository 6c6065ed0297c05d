import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  paginateListExecutions,
  type SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';

/** A running execution of a workflow, with the input it was started with (which names its subject). */
export interface RunningExecution {
  executionArn: string;
  name: string;
  input: unknown;
}

/** Port: the running executions of one state machine, and stopping one (Step Functions, or the local engine). */
export interface ExecutionControl {
  running(): Promise<RunningExecution[]>;
  /** Stops it; an execution that already ended is fine (idempotent). */
  stop(executionArn: string, error: string, cause: string): Promise<void>;
}

export class StepFunctionsExecutionControl implements ExecutionControl {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async running(): Promise<RunningExecution[]> {
    const found: RunningExecution[] = [];
    for await (const page of paginateListExecutions(
      { client: this.sfn },
      { stateMachineArn: this.stateMachineArn, statusFilter: 'RUNNING' },
    )) {
      for (const execution of page.executions ?? []) {
        if (!execution.executionArn || !execution.name) continue;
        // The input names the subject; executions of another subject are only read, never touched.
        const described = await this.sfn.send(
          new DescribeExecutionCommand({ executionArn: execution.executionArn }),
        );
        found.push({
          executionArn: execution.executionArn,
          name: execution.name,
          input: safeJson(described.input),
        });
      }
    }
    return found;
  }

  async stop(executionArn: string, error: string, cause: string): Promise<void> {
    try {
      await this.sfn.send(new StopExecutionCommand({ executionArn, error, cause }));
    } catch (e) {
      if (!(e instanceof ExecutionDoesNotExist)) throw e;
    }
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
