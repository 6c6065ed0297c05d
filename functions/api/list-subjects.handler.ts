import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { listSubjectsRoute } from './list-subjects.route.js';

export const handler = lambdaHandler(listSubjectsRoute, { documentClient: dynamoDocumentClient });
