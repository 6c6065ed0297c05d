import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { settleImageSetTask } from './settle-image-set.task.js';

export const handler = lambdaHandler(settleImageSetTask, { documentClient: dynamoDocumentClient });
