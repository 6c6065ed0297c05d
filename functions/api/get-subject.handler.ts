import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { stepFunctionsExecutions } from './aws-api-ports.js';
import { getSubjectRoute } from './get-subject.route.js';

export const handler = lambdaHandler(getSubjectRoute, {
  documentClient: dynamoDocumentClient,
  executions: stepFunctionsExecutions,
});
