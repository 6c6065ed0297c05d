import { lambdaHandler } from '../lambda-handler.js';
import { explainTrainingFailureTask } from './explain-training-failure.task.js';

export const handler = lambdaHandler(explainTrainingFailureTask, {});
