import { dynamoDocumentClient, s3ObjectStore } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { s3PresignedUploads } from './aws-api-ports.js';
import { createSubjectRoute } from './create-subject.route.js';

export const handler = lambdaHandler(createSubjectRoute, {
  documentClient: dynamoDocumentClient,
  objectStore: s3ObjectStore,
  uploadLinks: s3PresignedUploads,
});
