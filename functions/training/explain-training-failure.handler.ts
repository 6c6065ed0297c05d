import { withObservability } from '../platform/observability.js';
import { explainFailedTrainingState } from './explain-training-failure.js';
import { parseFailedTrainingState } from './training-inputs.js';

/** ExplainTrainingFailure task: the `Training Failed` detail from the caught error. */
export const handler = withObservability(async (event: unknown) =>
  explainFailedTrainingState(parseFailedTrainingState(event)),
);
