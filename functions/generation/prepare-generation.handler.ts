import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { prepareGenerationTask } from './prepare-generation.task.js';

export const handler = lambdaHandler(prepareGenerationTask, { documentClient: dynamoDocumentClient });
