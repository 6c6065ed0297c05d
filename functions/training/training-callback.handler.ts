import {
  dynamoDocumentClient,
  s3ObjectStore,
  s3ObjectVersions,
  stepFunctionsTaskCallbacks,
} from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { trainingCallbackTask } from './training-callback.task.js';

export const handler = lambdaHandler(trainingCallbackTask, {
  documentClient: dynamoDocumentClient,
  taskCallbacks: stepFunctionsTaskCallbacks,
  objectStore: s3ObjectStore,
  objectVersions: s3ObjectVersions,
});
