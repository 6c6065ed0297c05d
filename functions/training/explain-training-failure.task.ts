import { FailedTrainingState } from '../../state-machines/training/contract.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { MalformedTrainingTaskInputError } from './errors.js';
import { explainFailedTraining } from './explain-training-failure.js';

/**
 * ExplainTrainingFailure: the `Training Failed` detail from the caught error, in the training container's own
 * words when its error body can be read from the failure location. The bucket is read when a body is to be read,
 * so that a missing variable costs the container's words (said in the reason), never the Training Failed event.
 */
export const explainTrainingFailureTask = defineTask({
  name: 'explainTrainingFailure',
  entry: 'functions/training/explain-training-failure.handler.ts',
  env: [Env.photoBucket],
  parse: taskInputParser('ExplainTrainingFailure', FailedTrainingState, MalformedTrainingTaskInputError),
  build: (env, ports: Pick<Ports, 'objectStore'>) => {
    const reader = () => {
      const bucket = getStringFromEnv(Env.photoBucket, { env });
      return { store: ports.objectStore(bucket), bucket };
    };
    return (input: FailedTrainingState) => explainFailedTraining(input, reader);
  },
});
