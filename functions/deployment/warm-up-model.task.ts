import { DRY_RUN } from '../../events/run-mode.js';
import { WarmUpInput } from '../../state-machines/training/contract.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { DryRunModelEndpoint } from '../serving/dry-run-endpoint.js';
import { MalformedTrainingTaskInputError } from '../training/errors.js';
import { DEFAULT_WARM_UP_POLICY, warmUpModel } from './warm-up-model.js';

/** WarmUpModel: one cheap generation, so the first real request meets a loaded model. */
export const warmUpModelTask = defineTask({
  name: 'warmUpModel',
  entry: 'functions/deployment/warm-up-model.handler.ts',
  env: [Env.servingEndpoint],
  parse: taskInputParser('WarmUpModel', WarmUpInput, MalformedTrainingTaskInputError),
  build: (env, ports: Pick<Ports, 'modelEndpoint' | 'clock' | 'log'>) => {
    const deps = {
      endpoint: ports.modelEndpoint(getStringFromEnv(Env.servingEndpoint, { env })),
      policy: DEFAULT_WARM_UP_POLICY,
      sleep: ports.clock.sleep,
      now: ports.clock.now,
      random: ports.clock.random,
      log: (message: string, fields: Record<string, unknown>) => ports.log.info(message, fields),
    };
    const dryRunDeps = { ...deps, endpoint: new DryRunModelEndpoint() };
    return (input: WarmUpInput) => warmUpModel(input, input.mode === DRY_RUN ? dryRunDeps : deps);
  },
});
