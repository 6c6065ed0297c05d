import { sageMakerModelEndpoint } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { warmUpModelTask } from './warm-up-model.task.js';

export const handler = lambdaHandler(warmUpModelTask, { modelEndpoint: sageMakerModelEndpoint });
