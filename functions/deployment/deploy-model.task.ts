import { DeployModelInput } from '../../state-machines/training/contract.js';
import { ErasureTombstones } from '../erasure/erasure-tombstones.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { CallbackTokens } from '../training/callback-tokens.js';
import { MalformedTrainingTaskInputError } from '../training/errors.js';
import { deployModel } from './deploy-model.js';

/** DeployModel: the adapter package, copied under the multi-model endpoint's ModelDataUrl. */
export const deployModelTask = defineTask({
  name: 'deployModel',
  entry: 'functions/deployment/deploy-model.handler.ts',
  env: [Env.photoBucket, Env.modelsPrefix, Env.trainingStateTable],
  parse: taskInputParser('DeployModel', DeployModelInput, MalformedTrainingTaskInputError),
  build: (env, ports: Pick<Ports, 'objectStore' | 'documentClient'>) => {
    const bucket = getStringFromEnv(Env.photoBucket, { env });
    const table = getStringFromEnv(Env.trainingStateTable, { env });
    const db = ports.documentClient();
    const deps = {
      store: ports.objectStore(bucket),
      bucket,
      modelsPrefix: getStringFromEnv(Env.modelsPrefix, { env }),
      checks: { tokens: new CallbackTokens(db, table), tombstones: new ErasureTombstones(db, table) },
    };
    return (input: DeployModelInput) => deployModel(input, deps);
  },
});
