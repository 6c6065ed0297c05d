import { StartTrainingInput } from '../../state-machines/training/contract.js';
import { getNumberFromEnv, getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { CallbackTokens } from './callback-tokens.js';
import { MalformedTrainingTaskInputError } from './errors.js';
import { startTraining } from './start-training.js';

/** Train (.waitForTaskToken): stores the task token, queues the training on the async endpoint. */
export const startTrainingTask = defineTask({
  name: 'startTraining',
  entry: 'functions/training/start-training.handler.ts',
  env: [
    Env.trainingStateTable,
    Env.photoBucket,
    Env.trainingEndpoint,
    Env.trainingInvocationTimeoutSeconds,
    Env.tokenTtlSeconds,
  ],
  parse: taskInputParser('Train', StartTrainingInput, MalformedTrainingTaskInputError),
  build: (env, ports: Pick<Ports, 'documentClient' | 'asyncInference' | 'objectStore' | 'taskCallbacks'>) => {
    const bucket = getStringFromEnv(Env.photoBucket, { env });
    const deps = {
      tokens: new CallbackTokens(ports.documentClient(), getStringFromEnv(Env.trainingStateTable, { env })),
      inference: ports.asyncInference(getStringFromEnv(Env.trainingEndpoint, { env })),
      bucket,
      dryRun: { store: ports.objectStore(bucket), bucket, callbacks: ports.taskCallbacks() },
      invocationTimeoutSeconds: getNumberFromEnv(Env.trainingInvocationTimeoutSeconds, {
        integer: true,
        min: 1,
        max: 3600,
        env,
      }),
      tokenTtlSeconds: getNumberFromEnv(Env.tokenTtlSeconds, { integer: true, min: 1, env }),
    };
    return (input: StartTrainingInput) => startTraining(input, deps);
  },
});
