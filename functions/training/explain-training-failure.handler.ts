import { s3ObjectStore } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { explainTrainingFailureTask } from './explain-training-failure.task.js';

export const handler = lambdaHandler(explainTrainingFailureTask, { objectStore: s3ObjectStore });
