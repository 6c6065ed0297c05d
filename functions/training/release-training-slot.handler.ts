import { requiredEnv } from '../platform/environment.js';
import { withObservability } from '../platform/observability.js';
import { parseSlotRequest } from './training-inputs.js';
import { TrainingQueue } from './training-queue.js';
import { trainingStateDb } from './training-state-table.js';

const queue = new TrainingQueue(trainingStateDb(), requiredEnv('TRAINING_STATE_TABLE'));

/** ReleaseTrainingSlot task (and its twin on the failure path): frees the slot, leaves the queue. Idempotent. */
export const handler = withObservability(async (event: unknown) => queue.release(parseSlotRequest(event)));
