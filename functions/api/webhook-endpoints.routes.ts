import * as z from 'zod';
import { getStringFromEnv } from '../platform/environment.js';
import { EnvironmentVariables as Env } from '../platform/environment-variables.js';
import {
  CreateWebhookEndpointRequest,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  enableWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookAttempts,
  listWebhookEndpoints,
  readDefaultWebhookSecret,
  rotateDefaultWebhookSecret,
  rotateWebhookEndpointSecret,
  type WebhookManagementDeps,
} from '../webhooks/endpoint-management.js';
import {
  readSecretOverlapFromEnvironment,
  readUrlPolicyFromEnvironment,
} from '../webhooks/webhook-settings.js';
import { WebhookStore } from '../webhooks/webhook-store.js';
import { defineRoute, type RoutePortsWith } from './route.js';
import { webhookRoute } from './webhook-endpoints.js';

const WEBHOOK_ENV = [
  Env.webhooksTable,
  Env.webhookAllowedPorts,
  Env.webhookLoopbackReceivers,
  Env.webhookSecretOverlapSeconds,
] as const;

/** The webhook routes touch the webhooks table only: their bundles carry no S3 or Step Functions client. */
type WebhookRoutePorts = RoutePortsWith<'documentClient'>;

const managementDeps = (
  env: Record<string, string | undefined>,
  ports: WebhookRoutePorts,
): WebhookManagementDeps => ({
  store: new WebhookStore(ports.documentClient(), getStringFromEnv(Env.webhooksTable, { env })),
  urlPolicy: readUrlPolicyFromEnvironment(env),
  overlapSeconds: readSecretOverlapFromEnvironment(env),
  now: ports.clock.now,
});

const Endpoint = z.object({ id: z.string(), url: z.string(), enabled: z.boolean() }).loose();
const Secret = z.object({ secret: z.string() }).loose();
const idOf = (request: { pathParameters: Record<string, string> }) => request.pathParameters.id ?? '';

export const createWebhookEndpointRoute = defineRoute({
  name: 'apiCreateWebhookEndpoint',
  method: 'POST',
  path: '/v1/webhook-endpoints',
  entry: 'functions/api/create-webhook-endpoint.handler.ts',
  env: [...WEBHOOK_ENV],
  docs: {
    summary: 'Register a webhook endpoint; its whsec_ secret is shown this once',
    body: CreateWebhookEndpointRequest,
    success: {
      status: 201,
      description: 'Registered',
      schema: z.object({ endpoint: Endpoint, secret: z.string() }),
    },
    problems: [],
  },
  build: (env, ports: WebhookRoutePorts) => {
    const deps = managementDeps(env, ports);
    return (request) =>
      webhookRoute(request, 201, (tenant, r) => createWebhookEndpoint(deps, tenant, r.body));
  },
});

export const listWebhookEndpointsRoute = defineRoute({
  name: 'apiListWebhookEndpoints',
  method: 'GET',
  path: '/v1/webhook-endpoints',
  entry: 'functions/api/list-webhook-endpoints.handler.ts',
  env: [...WEBHOOK_ENV],
  docs: {
    summary: "The tenant's webhook endpoints (a disabled one says why)",
    success: { status: 200, description: 'Endpoints', schema: z.object({ endpoints: z.array(Endpoint) }) },
    problems: [],
  },
  build: (env, ports: WebhookRoutePorts) => {
    const deps = managementDeps(env, ports);
    return (request) => webhookRoute(request, 200, (tenant) => listWebhookEndpoints(deps, tenant));
  },
});

export const getWebhookEndpointRoute = defineRoute({
  name: 'apiGetWebhookEndpoint',
  method: 'GET',
  path: '/v1/webhook-endpoints/{id}',
  entry: 'functions/api/get-webhook-endpoint.handler.ts',
  env: [...WEBHOOK_ENV],
  docs: {
    summary: 'One webhook endpoint (never its secret)',
    success: { status: 200, description: 'The endpoint', schema: Endpoint },
    problems: [404],
  },
  build: (env, ports: WebhookRoutePorts) => {
    const deps = managementDeps(env, ports);
    return (request) => webhookRoute(request, 200, (tenant, r) => getWebhookEndpoint(deps, tenant, idOf(r)));
  },
});

export const deleteWebhookEndpointRoute = defineRoute({
  name: 'apiDeleteWebhookEndpoint',
  method: 'DELETE',
  path: '/v1/webhook-endpoints/{id}',
  entry: 'functions/api/delete-webhook-endpoint.handler.ts',
  env: [...WEBHOOK_ENV],
  docs: {
    summary: 'Remove a webhook endpoint; retries in flight to it stop',
    success: { status: 204, description: 'Removed', schema: z.object({}) },
    problems: [404],
  },
  build: (env, ports: WebhookRoutePorts) => {
    const deps = managementDeps(env, ports);
    return (request) =>
      webhookRoute(request, 204, (tenant, r) => deleteWebhookEndpoint(deps, tenant, idOf(r)));
  },
});

export const listWebhookAttemptsRoute = defineRoute({
  name: 'apiListWebhookAttempts',
  method: 'GET',
  path: '/v1/webhook-endpoints/{id}/attempts',
  entry: 'functions/api/list-webhook-attempts.handler.ts',
  env: [...WEBHOOK_ENV],
  docs: {
    summary: 'Recent delivery attempts, newest first: status code, latency, error; never bodies',
    success: {
      status: 200,
      description: 'Attempts',
      schema: z.object({ attempts: z.array(z.object({}).loose()) }),
    },
    problems: [404],
  },
  build: (env, ports: WebhookRoutePorts) => {
    const deps = managementDeps(env, ports);
    return (request) =>
      webhookRoute(request, 200, (tenant, r) =>
        listWebhookAttempts(deps, tenant, idOf(r), r.query.limit ? { limit: Number(r.query.limit) } : {}),
      );
  },
});

export const enableWebhookEndpointRoute = defineRoute({
  name: 'apiEnableWebhookEndpoint',
  method: 'POST',
  path: '/v1/webhook-endpoints/{id}/enable',
  entry: 'functions/api/enable-webhook-endpoint.handler.ts',
  env: [...WEBHOOK_ENV],
  docs: {
    summary: 'Deliver to a disabled endpoint again (same id and secret) once you have fixed it',
    success: { status: 200, description: 'The endpoint, enabled', schema: Endpoint },
    problems: [400, 404],
  },
  build: (env, ports: WebhookRoutePorts) => {
    const deps = managementDeps(env, ports);
    return (request) =>
      webhookRoute(request, 200, (tenant, r) => enableWebhookEndpoint(deps, tenant, idOf(r)));
  },
});

export const rotateWebhookEndpointSecretRoute = defineRoute({
  name: 'apiRotateWebhookEndpointSecret',
  method: 'POST',
  path: '/v1/webhook-endpoints/{id}/rotate-secret',
  entry: 'functions/api/rotate-webhook-endpoint-secret.handler.ts',
  env: [...WEBHOOK_ENV],
  docs: {
    summary: 'A new secret; until the old one retires every delivery carries both signatures',
    success: { status: 200, description: 'The new secret, shown once', schema: Secret },
    problems: [404],
  },
  build: (env, ports: WebhookRoutePorts) => {
    const deps = managementDeps(env, ports);
    return (request) =>
      webhookRoute(request, 200, (tenant, r) => rotateWebhookEndpointSecret(deps, tenant, idOf(r)));
  },
});

export const readDefaultWebhookSecretRoute = defineRoute({
  name: 'apiReadDefaultWebhookSecret',
  method: 'GET',
  path: '/v1/webhook-secret',
  entry: 'functions/api/read-default-webhook-secret.handler.ts',
  env: [...WEBHOOK_ENV],
  docs: {
    summary: "The tenant's default secret, which signs subject.json webhook.url deliveries: readable once",
    success: { status: 200, description: 'The secret', schema: Secret },
    problems: [409],
  },
  build: (env, ports: WebhookRoutePorts) => {
    const deps = managementDeps(env, ports);
    return (request) => webhookRoute(request, 200, (tenant) => readDefaultWebhookSecret(deps, tenant));
  },
});

export const rotateDefaultWebhookSecretRoute = defineRoute({
  name: 'apiRotateDefaultWebhookSecret',
  method: 'POST',
  path: '/v1/webhook-secret/rotate',
  entry: 'functions/api/rotate-default-webhook-secret.handler.ts',
  env: [...WEBHOOK_ENV],
  docs: {
    summary: 'A new default secret; the old one keeps signing beside it until it retires',
    success: { status: 200, description: 'The new secret, shown once', schema: Secret },
    problems: [],
  },
  build: (env, ports: WebhookRoutePorts) => {
    const deps = managementDeps(env, ports);
    return (request) => webhookRoute(request, 200, (tenant) => rotateDefaultWebhookSecret(deps, tenant));
  },
});
