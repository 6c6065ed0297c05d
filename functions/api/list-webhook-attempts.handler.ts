import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { listWebhookAttemptsRoute } from './webhook-endpoints.routes.js';

export const handler = lambdaHandler(listWebhookAttemptsRoute, { documentClient: dynamoDocumentClient });
