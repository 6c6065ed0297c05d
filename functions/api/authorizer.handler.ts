import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { apiAuthorizerTask } from './authorizer.task.js';

export const handler = lambdaHandler(apiAuthorizerTask, { documentClient: dynamoDocumentClient });
