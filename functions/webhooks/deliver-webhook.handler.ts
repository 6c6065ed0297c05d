import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { deliverWebhookTask } from './deliver-webhook.task.js';

export const handler = lambdaHandler(deliverWebhookTask, { documentClient: dynamoDocumentClient });
