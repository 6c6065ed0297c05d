import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { readDefaultWebhookSecretRoute } from './webhook-endpoints.routes.js';

export const handler = lambdaHandler(readDefaultWebhookSecretRoute, { documentClient: dynamoDocumentClient });
