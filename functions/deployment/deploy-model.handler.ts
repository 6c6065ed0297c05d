import { dynamoDocumentClient, s3ObjectStore } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { deployModelTask } from './deploy-model.task.js';

export const handler = lambdaHandler(deployModelTask, {
  objectStore: s3ObjectStore,
  documentClient: dynamoDocumentClient,
});
