import { dynamoDocumentClient, s3ObjectStore, stepFunctionsExecutionStarter } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { startWaitingSubjectsTask } from './start-waiting-subjects.task.js';

export const handler = lambdaHandler(startWaitingSubjectsTask, {
  objectStore: s3ObjectStore,
  documentClient: dynamoDocumentClient,
  executionStarter: stepFunctionsExecutionStarter,
});
