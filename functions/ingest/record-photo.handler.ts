import { dynamoDocumentClient, s3ObjectStore, stepFunctionsExecutionStarter } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { recordPhotoTask } from './record-photo.task.js';

export const handler = lambdaHandler(recordPhotoTask, {
  objectStore: s3ObjectStore,
  documentClient: dynamoDocumentClient,
  executionStarter: stepFunctionsExecutionStarter,
});
