import { dynamoDocumentClient, s3ObjectVersions } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { eraseSubjectDataTask } from './erase-subject-data.task.js';

export const handler = lambdaHandler(eraseSubjectDataTask, {
  objectVersions: s3ObjectVersions,
  documentClient: dynamoDocumentClient,
});
