import { DeployModelInput } from '../../state-machines/training/contract.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { MalformedTrainingTaskInputError } from '../training/errors.js';
import { deployModel } from './deploy-model.js';

/** DeployModel: the adapter package, copied under the multi-model endpoint's ModelDataUrl. */
export const deployModelTask = defineTask({
  name: 'deployModel',
  entry: 'functions/deployment/deploy-model.handler.ts',
  env: [Env.photoBucket, Env.modelsPrefix],
  parse: taskInputParser('DeployModel', DeployModelInput, MalformedTrainingTaskInputError),
  build: (env, ports: Pick<Ports, 'objectStore'>) => {
    const bucket = getStringFromEnv(Env.photoBucket, { env });
    const deps = {
      store: ports.objectStore(bucket),
      bucket,
      modelsPrefix: getStringFromEnv(Env.modelsPrefix, { env }),
    };
    return (input: DeployModelInput) => deployModel(input, deps);
  },
});
