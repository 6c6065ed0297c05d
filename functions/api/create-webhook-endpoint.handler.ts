import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { createWebhookEndpointRoute } from './webhook-endpoints.routes.js';

export const handler = lambdaHandler(createWebhookEndpointRoute, { documentClient: dynamoDocumentClient });
