import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { acquireTrainingSlotTask } from './training-slot.tasks.js';

export const handler = lambdaHandler(acquireTrainingSlotTask, { documentClient: dynamoDocumentClient });
