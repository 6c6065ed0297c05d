import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';

/** Port: tells a waiting workflow how its task ended. Step Functions on AWS, the local engine locally. */
export interface TaskCallbacks {
  /** Returns 'stale' when the task no longer waits (timed out, finished, or an unknown token). */
  succeed(taskToken: string, output: unknown): Promise<'sent' | 'stale'>;
  fail(taskToken: string, error: string, cause: string): Promise<'sent' | 'stale'>;
}

export class StepFunctionsTaskCallbacks implements TaskCallbacks {
  constructor(private readonly sfn: SFNClient) {}

  async succeed(taskToken: string, output: unknown): Promise<'sent' | 'stale'> {
    return this.send(() =>
      this.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })),
    );
  }

  async fail(taskToken: string, error: string, cause: string): Promise<'sent' | 'stale'> {
    // Step Functions caps error at 256 and cause at 32,768 characters.
    return this.send(() =>
      this.sfn.send(
        new SendTaskFailureCommand({ taskToken, error: error.slice(0, 256), cause: cause.slice(0, 32_768) }),
      ),
    );
  }

  private async send(call: () => Promise<unknown>): Promise<'sent' | 'stale'> {
    try {
      await call();
      return 'sent';
    } catch (error) {
      if (
        error instanceof TaskTimedOut ||
        error instanceof TaskDoesNotExist ||
        error instanceof InvalidToken
      ) {
        return 'stale';
      }
      throw error;
    }
  }
}
