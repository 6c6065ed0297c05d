import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { deleteWebhookEndpointRoute } from './webhook-endpoints.routes.js';

export const handler = lambdaHandler(deleteWebhookEndpointRoute, { documentClient: dynamoDocumentClient });
