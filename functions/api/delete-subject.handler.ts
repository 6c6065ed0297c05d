import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { stepFunctionsExecutions } from './aws-api-ports.js';
import { deleteSubjectRoute } from './delete-subject.route.js';

export const handler = lambdaHandler(deleteSubjectRoute, {
  documentClient: dynamoDocumentClient,
  executions: stepFunctionsExecutions,
});
