import { s3ObjectStore } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { prepareTrainingSetTask } from './prepare-training-set.task.js';

export const handler = lambdaHandler(prepareTrainingSetTask, { objectStore: s3ObjectStore });
