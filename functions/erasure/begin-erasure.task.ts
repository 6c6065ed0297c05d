import { ErasureExecutionInput } from '../../state-machines/erasure/contract.js';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { beginErasure } from './begin-erasure.js';
import { ErasureTombstones } from './erasure-tombstones.js';
import { MalformedErasureTaskInputError } from './errors.js';

/** BeginErasure: whose subject, and the tombstone that late training results check. */
export const beginErasureTask = defineTask({
  name: 'beginErasure',
  entry: 'functions/erasure/begin-erasure.handler.ts',
  env: [Env.trainingStateTable],
  parse: taskInputParser('BeginErasure', ErasureExecutionInput, MalformedErasureTaskInputError),
  build: (env, ports: Pick<Ports, 'documentClient' | 'clock'>) => {
    const deps = {
      tombstones: new ErasureTombstones(
        ports.documentClient(),
        getStringFromEnv(Env.trainingStateTable, { env }),
      ),
      now: ports.clock.now,
    };
    return (input: ErasureExecutionInput) => beginErasure(input, deps);
  },
});
