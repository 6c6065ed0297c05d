import { PlanTrainingInput } from '../../state-machines/training/contract.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { MalformedTrainingTaskInputError } from './errors.js';
import { planTraining } from './plan-training.js';

/** PlanTraining: hyperparameters, model version and the training request in the bucket. */
export const planTrainingTask = defineTask({
  name: 'planTraining',
  entry: 'functions/training/plan-training.handler.ts',
  env: [Env.photoBucket, Env.baseModel],
  parse: taskInputParser('PlanTraining', PlanTrainingInput, MalformedTrainingTaskInputError),
  build: (env, ports: Pick<Ports, 'objectStore' | 'provenance'>) => {
    const bucket = getStringFromEnv(Env.photoBucket, { env });
    const deps = {
      store: ports.objectStore(bucket),
      bucket,
      baseModel: getStringFromEnv(Env.baseModel, { env }),
      trainedBy: ports.provenance.trainedBy,
    };
    return (input: PlanTrainingInput) => planTraining(input, deps);
  },
});
