import { s3ObjectStore } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { planTrainingTask } from './plan-training.task.js';

export const handler = lambdaHandler(planTrainingTask, { objectStore: s3ObjectStore });
