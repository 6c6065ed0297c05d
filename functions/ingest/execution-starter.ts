import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { TrainingExecutionInput } from '../../state-machines/training/contract.js';

/** Starts the training workflow. Starting the same name twice must be harmless. */
export interface ExecutionStarter {
  start(name: string, input: TrainingExecutionInput): Promise<{ alreadyStarted: boolean }>;
}

/** StartExecution by name, on AWS: the training workflow's starter, and the HTTP API's for every workflow it starts. */
export class StepFunctionsExecutionStarter implements ExecutionStarter {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: unknown): Promise<{ alreadyStarted: boolean }> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
      return { alreadyStarted: false };
    } catch (error) {
      // A Standard workflow keeps execution names for 90 days: the same image set already ran or runs.
      if (error instanceof ExecutionAlreadyExists) return { alreadyStarted: true };
      throw error;
    }
  }
}
