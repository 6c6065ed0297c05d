import { PrepareTrainingSetInput } from '../../state-machines/training/contract.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { MalformedPrepareTrainingSetInputError } from './errors.js';
import { prepareTrainingSet } from './prepare-training-set.js';
import { readTrainingSetPolicyFromEnvironment } from './training-set-policy.js';

/** PrepareTrainingSet: face-centred square crops of the usable photos and the dataset manifest. */
export const prepareTrainingSetTask = defineTask({
  name: 'prepareTrainingSet',
  entry: 'functions/training-set/prepare-training-set.handler.ts',
  env: [Env.photoBucket, Env.trainingResolution, Env.trainingPrefix, Env.maxPixels],
  parse: taskInputParser(
    'PrepareTrainingSet',
    PrepareTrainingSetInput,
    MalformedPrepareTrainingSetInputError,
  ),
  build: (env, ports: Pick<Ports, 'objectStore'>) => {
    const deps = {
      store: ports.objectStore(getStringFromEnv(Env.photoBucket, { env })),
      policy: readTrainingSetPolicyFromEnvironment(env),
    };
    return (input: PrepareTrainingSetInput) => prepareTrainingSet(input, deps);
  },
});
