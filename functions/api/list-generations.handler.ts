import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { listGenerationsRoute } from './list-generations.route.js';

export const handler = lambdaHandler(listGenerationsRoute, { documentClient: dynamoDocumentClient });
