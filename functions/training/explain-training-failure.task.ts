import { FailedTrainingState } from '../../state-machines/training/contract.js';
import { defineTask, taskInputParser } from '../platform/task.js';
import { MalformedTrainingTaskInputError } from './errors.js';
import { explainFailedTrainingState } from './explain-training-failure.js';

/** ExplainTrainingFailure: the `Training Failed` detail from the caught error. */
export const explainTrainingFailureTask = defineTask({
  name: 'explainTrainingFailure',
  entry: 'functions/training/explain-training-failure.handler.ts',
  env: [],
  parse: taskInputParser('ExplainTrainingFailure', FailedTrainingState, MalformedTrainingTaskInputError),
  build: () => async (input: FailedTrainingState) => explainFailedTrainingState(input),
});
