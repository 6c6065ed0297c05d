import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { rotateDefaultWebhookSecretRoute } from './webhook-endpoints.routes.js';

export const handler = lambdaHandler(rotateDefaultWebhookSecretRoute, {
  documentClient: dynamoDocumentClient,
});
