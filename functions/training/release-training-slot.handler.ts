import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { releaseTrainingSlotTask } from './training-slot.tasks.js';

export const handler = lambdaHandler(releaseTrainingSlotTask, { documentClient: dynamoDocumentClient });
