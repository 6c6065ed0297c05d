import { SlotRequest } from '../../state-machines/training/contract.js';
import { SubjectLedger } from '../ingest/subject-ledger.js';
import { type Environment, getNumberFromEnv, getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import type { Ports } from '../ports.js';
import { MalformedTrainingTaskInputError } from './errors.js';
import { acquireSlotForImageSet, releaseSlotForImageSet } from './image-set-claim.js';
import { TrainingQueue } from './training-queue.js';

const parseSlotRequest = taskInputParser(
  'AcquireTrainingSlot / ReleaseTrainingSlot',
  SlotRequest,
  MalformedTrainingTaskInputError,
);

function slotDeps(env: Environment, ports: Pick<Ports, 'documentClient' | 'clock'>) {
  const db = ports.documentClient();
  return {
    queue: new TrainingQueue(db, getStringFromEnv(Env.trainingStateTable, { env }), ports.clock.now),
    ledger: new SubjectLedger(db, getStringFromEnv(Env.ledgerTable, { env })),
    now: ports.clock.now,
  };
}

/** AcquireTrainingSlot: a training slot now, the subject's place in line, or word that a newer set replaced it. */
export const acquireTrainingSlotTask = defineTask({
  name: 'acquireTrainingSlot',
  entry: 'functions/training/acquire-training-slot.handler.ts',
  env: [Env.trainingStateTable, Env.ledgerTable, Env.trainingConcurrency],
  parse: parseSlotRequest,
  build: (env, ports: Pick<Ports, 'documentClient' | 'clock'>) => {
    const deps = {
      ...slotDeps(env, ports),
      limit: getNumberFromEnv(Env.trainingConcurrency, { integer: true, min: 1, env }),
    };
    return (input: SlotRequest) => acquireSlotForImageSet(input, deps);
  },
});

/** ReleaseTrainingSlot (and its twin on the failure path): frees the slot, ends the subject's training. */
export const releaseTrainingSlotTask = defineTask({
  name: 'releaseTrainingSlot',
  entry: 'functions/training/release-training-slot.handler.ts',
  env: [Env.trainingStateTable, Env.ledgerTable],
  parse: parseSlotRequest,
  build: (env, ports: Pick<Ports, 'documentClient' | 'clock'>) => {
    const deps = slotDeps(env, ports);
    return (input: SlotRequest) => releaseSlotForImageSet(input, deps);
  },
});
