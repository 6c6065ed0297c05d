import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { registerModelTask } from './register-model.task.js';

export const handler = lambdaHandler(registerModelTask, { documentClient: dynamoDocumentClient });
