import { dynamoDocumentClient, snsOperatorNotices } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { sendDailySummaryTask } from './send-daily-summary.task.js';

export const handler = lambdaHandler(sendDailySummaryTask, {
  documentClient: dynamoDocumentClient,
  operatorNotices: snsOperatorNotices,
});
