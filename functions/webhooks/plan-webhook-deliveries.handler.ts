import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { planWebhookDeliveriesTask } from './plan-webhook-deliveries.task.js';

export const handler = lambdaHandler(planWebhookDeliveriesTask, { documentClient: dynamoDocumentClient });
