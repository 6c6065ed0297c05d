import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { getWebhookEndpointRoute } from './webhook-endpoints.routes.js';

export const handler = lambdaHandler(getWebhookEndpointRoute, { documentClient: dynamoDocumentClient });
