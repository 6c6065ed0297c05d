import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { countOutcomeTask } from './count-outcome.task.js';

export const handler = lambdaHandler(countOutcomeTask, { documentClient: dynamoDocumentClient });
