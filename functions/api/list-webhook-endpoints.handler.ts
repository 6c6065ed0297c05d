import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { listWebhookEndpointsRoute } from './webhook-endpoints.routes.js';

export const handler = lambdaHandler(listWebhookEndpointsRoute, { documentClient: dynamoDocumentClient });
