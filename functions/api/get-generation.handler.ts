import { dynamoDocumentClient, s3PresignedImageLinks } from '../aws-ports.js';
import { lambdaHandler } from '../lambda-handler.js';
import { stepFunctionsExecutions } from './aws-api-ports.js';
import { getGenerationRoute } from './get-generation.route.js';

export const handler = lambdaHandler(getGenerationRoute, {
  documentClient: dynamoDocumentClient,
  executions: stepFunctionsExecutions,
  imageLinks: s3PresignedImageLinks,
});
