import { dynamoDocumentClient, s3ObjectVersions } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { verifyErasureTask } from './verify-erasure.task.js';

export const handler = lambdaHandler(verifyErasureTask, {
  objectVersions: s3ObjectVersions,
  documentClient: dynamoDocumentClient,
});
