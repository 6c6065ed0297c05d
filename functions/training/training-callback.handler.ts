import { dynamoDocumentClient, stepFunctionsTaskCallbacks } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { trainingCallbackTask } from './training-callback.task.js';

export const handler = lambdaHandler(trainingCallbackTask, {
  documentClient: dynamoDocumentClient,
  taskCallbacks: stepFunctionsTaskCallbacks,
});
