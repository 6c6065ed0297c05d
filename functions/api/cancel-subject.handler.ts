import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { stepFunctionsExecutions } from './aws-api-ports.js';
import { cancelSubjectRoute } from './cancel-subject.route.js';

export const handler = lambdaHandler(cancelSubjectRoute, {
  documentClient: dynamoDocumentClient,
  executions: stepFunctionsExecutions,
});
