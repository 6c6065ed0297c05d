import { numberEnv, requiredEnv } from '../platform/environment.js';
import { withObservability } from '../platform/observability.js';
import { parseSlotRequest } from './training-inputs.js';
import { TrainingQueue } from './training-queue.js';
import { trainingStateDb } from './training-state-table.js';

const queue = new TrainingQueue(trainingStateDb(), requiredEnv('TRAINING_STATE_TABLE'));
const concurrency = numberEnv('TRAINING_CONCURRENCY', 1);

/** AcquireTrainingSlot task: a training slot now, or the subject's place in line. */
export const handler = withObservability(async (event: unknown) =>
  queue.acquire(parseSlotRequest(event), concurrency),
);
