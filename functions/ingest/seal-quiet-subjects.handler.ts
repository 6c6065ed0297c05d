import { dynamoDocumentClient, s3ObjectStore, stepFunctionsExecutionStarter } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { sealQuietSubjectsTask } from './seal-quiet-subjects.task.js';

export const handler = lambdaHandler(sealQuietSubjectsTask, {
  objectStore: s3ObjectStore,
  documentClient: dynamoDocumentClient,
  executionStarter: stepFunctionsExecutionStarter,
});
