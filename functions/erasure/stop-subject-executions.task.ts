import { ErasureStepInput } from '../../state-machines/erasure/contract.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { MalformedErasureTaskInputError } from './errors.js';
import { stopSubjectExecutions } from './stop-subject-executions.js';

/** StopSubjectExecutions: the subject's running trainings and generations, stopped. */
export const stopSubjectExecutionsTask = defineTask({
  name: 'stopSubjectExecutions',
  entry: 'functions/erasure/stop-subject-executions.handler.ts',
  env: [Env.trainingStateMachineArn, Env.generationStateMachineArn],
  parse: taskInputParser('StopSubjectExecutions', ErasureStepInput, MalformedErasureTaskInputError),
  build: (env, ports: Pick<Ports, 'executionControl'>) => {
    const deps = {
      workflows: [
        {
          workflow: 'training',
          control: ports.executionControl(getStringFromEnv(Env.trainingStateMachineArn, { env })),
        },
        {
          workflow: 'generation',
          control: ports.executionControl(getStringFromEnv(Env.generationStateMachineArn, { env })),
        },
      ],
    };
    return (input: ErasureStepInput) => stopSubjectExecutions(input, deps);
  },
});
