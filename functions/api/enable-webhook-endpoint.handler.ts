import { dynamoDocumentClient, s3ObjectStore, s3PresignedImageLinks } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { s3PresignedUploads, stepFunctionsExecutions } from './aws-api-ports.js';
import { enableWebhookEndpointRoute } from './webhook-endpoints.routes.js';

export const handler = lambdaHandler(enableWebhookEndpointRoute, {
  documentClient: dynamoDocumentClient,
  objectStore: s3ObjectStore,
  uploadLinks: s3PresignedUploads,
  imageLinks: s3PresignedImageLinks,
  executions: stepFunctionsExecutions,
});
