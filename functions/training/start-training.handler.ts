import {
  dynamoDocumentClient,
  s3ObjectStore,
  sageMakerAsyncInference,
  stepFunctionsTaskCallbacks,
} from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { startTrainingTask } from './start-training.task.js';

export const handler = lambdaHandler(startTrainingTask, {
  documentClient: dynamoDocumentClient,
  asyncInference: sageMakerAsyncInference,
  objectStore: s3ObjectStore,
  taskCallbacks: stepFunctionsTaskCallbacks,
});
