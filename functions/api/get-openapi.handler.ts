import { lambdaHandler } from '../lambda-handler.js';
import { getOpenApiRoute } from './get-openapi.route.js';

export const handler = lambdaHandler(getOpenApiRoute, {});
