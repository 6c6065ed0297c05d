import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { enableWebhookEndpointRoute } from './webhook-endpoints.routes.js';

export const handler = lambdaHandler(enableWebhookEndpointRoute, { documentClient: dynamoDocumentClient });
