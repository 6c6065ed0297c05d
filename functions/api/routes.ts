/**
 * Every route of the HTTP API: infra deploys one function and one method per entry (behind the authorizer unless
 * `docs.public`), the local server serves each, and the OpenAPI document lists them. Adding a route (the webhook
 * endpoints, say) is one descriptor and one entry here.
 */
import { cancelSubjectRoute } from './cancel-subject.route.js';
import { createGenerationRoute } from './create-generation.route.js';
import { createSubjectRoute } from './create-subject.route.js';
import { deleteSubjectRoute } from './delete-subject.route.js';
import { getGenerationRoute } from './get-generation.route.js';
import { getOpenApiRoute } from './get-openapi.route.js';
import { getSubjectRoute } from './get-subject.route.js';
import { listGenerationsRoute } from './list-generations.route.js';
import { listSubjectsRoute } from './list-subjects.route.js';
import type { AnyRoute } from './route.js';
import {
  createWebhookEndpointRoute,
  deleteWebhookEndpointRoute,
  enableWebhookEndpointRoute,
  getWebhookEndpointRoute,
  listWebhookAttemptsRoute,
  listWebhookEndpointsRoute,
  readDefaultWebhookSecretRoute,
  rotateDefaultWebhookSecretRoute,
  rotateWebhookEndpointSecretRoute,
} from './webhook-endpoints.routes.js';

export const API_ROUTES = [
  createSubjectRoute,
  listSubjectsRoute,
  getSubjectRoute,
  deleteSubjectRoute,
  cancelSubjectRoute,
  createGenerationRoute,
  listGenerationsRoute,
  getGenerationRoute,
  createWebhookEndpointRoute,
  listWebhookEndpointsRoute,
  getWebhookEndpointRoute,
  deleteWebhookEndpointRoute,
  listWebhookAttemptsRoute,
  enableWebhookEndpointRoute,
  rotateWebhookEndpointSecretRoute,
  readDefaultWebhookSecretRoute,
  rotateDefaultWebhookSecretRoute,
  getOpenApiRoute,
] as const satisfies readonly AnyRoute[];

export type ApiRouteName = (typeof API_ROUTES)[number]['name'];
