import { SlotRequest } from '../../state-machines/training/contract.js';
import { getNumberFromEnv, getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { MalformedTrainingTaskInputError } from './errors.js';
import { TrainingQueue } from './training-queue.js';

const parseSlotRequest = taskInputParser(
  'AcquireTrainingSlot / ReleaseTrainingSlot',
  SlotRequest,
  MalformedTrainingTaskInputError,
);

/** AcquireTrainingSlot: a training slot now, or the subject's place in line. */
export const acquireTrainingSlotTask = defineTask({
  name: 'acquireTrainingSlot',
  entry: 'functions/training/acquire-training-slot.handler.ts',
  env: [Env.trainingStateTable, Env.trainingConcurrency],
  parse: parseSlotRequest,
  build: (env, ports: Pick<Ports, 'documentClient'>) => {
    const queue = new TrainingQueue(
      ports.documentClient(),
      getStringFromEnv(Env.trainingStateTable, { env }),
    );
    const concurrency = getNumberFromEnv(Env.trainingConcurrency, { integer: true, min: 1, env });
    return (input: SlotRequest) => queue.acquire(input, concurrency);
  },
});

/** ReleaseTrainingSlot (and its twin on the failure path): frees the slot, leaves the queue. Idempotent. */
export const releaseTrainingSlotTask = defineTask({
  name: 'releaseTrainingSlot',
  entry: 'functions/training/release-training-slot.handler.ts',
  env: [Env.trainingStateTable],
  parse: parseSlotRequest,
  build: (env, ports: Pick<Ports, 'documentClient'>) => {
    const queue = new TrainingQueue(
      ports.documentClient(),
      getStringFromEnv(Env.trainingStateTable, { env }),
    );
    return (input: SlotRequest) => queue.release(input);
  },
});
