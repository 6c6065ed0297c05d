import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { rotateWebhookEndpointSecretRoute } from './webhook-endpoints.routes.js';

export const handler = lambdaHandler(rotateWebhookEndpointSecretRoute, {
  documentClient: dynamoDocumentClient,
});
