import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { beginErasureTask } from './begin-erasure.task.js';

export const handler = lambdaHandler(beginErasureTask, { documentClient: dynamoDocumentClient });
