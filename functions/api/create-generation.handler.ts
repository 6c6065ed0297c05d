import { dynamoDocumentClient } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { stepFunctionsExecutions } from './aws-api-ports.js';
import { createGenerationRoute } from './create-generation.route.js';

export const handler = lambdaHandler(createGenerationRoute, {
  documentClient: dynamoDocumentClient,
  executions: stepFunctionsExecutions,
});
