import { RegisterModelInput } from '../../state-machines/training/contract.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { MalformedTrainingTaskInputError } from '../training/errors.js';
import { ModelRegistry } from './model-registry.js';
import { registerModel } from './register-model.js';

/** RegisterModel: the registry entry (and its CURRENT pointer), and the `Model Ready` detail. */
export const registerModelTask = defineTask({
  name: 'registerModel',
  entry: 'functions/deployment/register-model.handler.ts',
  env: [Env.modelRegistryTable],
  parse: taskInputParser('RegisterModel', RegisterModelInput, MalformedTrainingTaskInputError),
  build: (env, ports: Pick<Ports, 'documentClient' | 'provenance' | 'clock'>) => {
    const deps = {
      registry: new ModelRegistry(ports.documentClient(), getStringFromEnv(Env.modelRegistryTable, { env })),
      servedBy: ports.provenance.servedBy,
      now: ports.clock.now,
    };
    return (input: RegisterModelInput) => registerModel(input, deps);
  },
});
