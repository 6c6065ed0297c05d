import { Webhook } from 'standardwebhooks';
import type { ApiPorts } from '../../../functions/api/api-ports.js';
import type { ApiResponse } from '../../../functions/api/http.js';
import type { AnyRoute } from '../../../functions/api/route.js';
import { API_ROUTES } from '../../../functions/api/routes.js';
import { buildTask } from '../../../functions/platform/task.js';
import { startLocalDynamo } from '../../../local/runtime/local-dynamo.js';
import { webhooksTableDefinition } from '../../../local/runtime/table-definitions.js';

/** /v1/webhook-endpoints and /v1/webhook-secret through the API's routes, on dynalite: the tenant is the key's. */
describe('webhook endpoint routes', () => {
  let ports: ApiPorts;
  let close: () => Promise<void>;
  const ENV: Record<string, string> = {
    WEBHOOKS_TABLE: 'webhooks',
    WEBHOOK_ALLOWED_PORTS: '',
    WEBHOOK_LOOPBACK_RECEIVERS: 'false',
    WEBHOOK_SECRET_OVERLAP_SECONDS: '3600',
  };

  beforeAll(async () => {
    const dynamo = await startLocalDynamo([webhooksTableDefinition('webhooks')]);
    close = dynamo.close;
    ports = {
      clock: { now: () => Date.parse('2026-12-02T10:00:00Z'), sleep: async () => {}, random: () => 0.5 },
      log: { info: () => {}, warn: () => {}, error: () => {} },
      metrics: { count: () => {} },
      provenance: {
        trainedBy: 'local-stand-in',
        servedBy: 'local-stand-in',
        imagesScreenedBy: 'local-stand-in',
        photosCheckedBy: 'local-stand-in',
      },
      documentClient: () => dynamo.db,
    } as unknown as ApiPorts;
  });
  afterAll(async () => close());

  const run = (name: string, tenantId: string, event: Record<string, unknown> = {}): Promise<ApiResponse> => {
    const route = API_ROUTES.find((r) => r.name === name) as AnyRoute;
    const env = Object.fromEntries(route.env.map((v: string) => [v, ENV[v]]));
    return buildTask(
      route,
      env,
      ports,
    )(
      route.parse({
        requestContext: { requestId: 'r1', authorizer: { tenantId, clientId: `c-${tenantId}` } },
        headers: {},
        ...event,
      }),
    );
  };
  const bodyOf = (response: ApiResponse) => JSON.parse(response.body);

  it('registers an endpoint whose secret verifies with the official verifier, lists and gets it, and hides it from another tenant', async () => {
    // Prepare
    const body = JSON.stringify({ url: 'https://hooks.example.com/avatars', eventTypes: ['avatars.ready'] });
    // Act
    const created = await run('apiCreateWebhookEndpoint', 'acme', { body });
    const { endpoint, secret } = bodyOf(created);
    const listed = await run('apiListWebhookEndpoints', 'acme');
    const got = await run('apiGetWebhookEndpoint', 'acme', { pathParameters: { id: endpoint.id } });
    const foreign = await run('apiGetWebhookEndpoint', 'globex', { pathParameters: { id: endpoint.id } });
    const foreignDelete = await run('apiDeleteWebhookEndpoint', 'globex', {
      pathParameters: { id: endpoint.id },
    });
    const attempts = await run('apiListWebhookAttempts', 'acme', { pathParameters: { id: endpoint.id } });
    // Assess
    expect(created.statusCode).toBe(201);
    expect(secret).toMatch(/^whsec_/);
    const signed = new Webhook(secret).sign('msg_1', new Date(), '{}');
    expect(() =>
      new Webhook(secret).verify('{}', {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': signed,
      }),
    ).not.toThrow();
    expect(bodyOf(listed).endpoints.map((e: { id: string }) => e.id)).toEqual([endpoint.id]);
    expect(got.statusCode).toBe(200);
    expect(bodyOf(got)).not.toHaveProperty('secret');
    expect(foreign.statusCode).toBe(404);
    expect(foreign.headers['content-type']).toBe('application/problem+json');
    expect(foreignDelete.statusCode).toBe(404);
    expect(bodyOf(attempts)).toEqual({ attempts: [] });
  });

  it('refuses a private or metadata URL with a 400 naming body.url', async () => {
    // Prepare
    const body = JSON.stringify({ url: 'https://169.254.169.254/latest/meta-data' });
    // Act
    const refused = await run('apiCreateWebhookEndpoint', 'acme', { body });
    // Assess
    expect(refused.statusCode).toBe(400);
    expect(bodyOf(refused).errors[0].field).toBe('body.url');
  });

  it('shows the default secret once (409 after), rotates it, and deletes an endpoint with 204', async () => {
    // Prepare
    const created = bodyOf(
      await run('apiCreateWebhookEndpoint', 'initech', {
        body: JSON.stringify({ url: 'https://hooks.example.org/' }),
      }),
    );
    // Act
    const first = await run('apiReadDefaultWebhookSecret', 'initech');
    const second = await run('apiReadDefaultWebhookSecret', 'initech');
    const rotated = await run('apiRotateDefaultWebhookSecret', 'initech');
    const rotatedEndpoint = await run('apiRotateWebhookEndpointSecret', 'initech', {
      pathParameters: { id: created.endpoint.id },
    });
    const deleted = await run('apiDeleteWebhookEndpoint', 'initech', {
      pathParameters: { id: created.endpoint.id },
    });
    const gone = await run('apiGetWebhookEndpoint', 'initech', {
      pathParameters: { id: created.endpoint.id },
    });
    // Assess
    expect(first.statusCode).toBe(200);
    expect(bodyOf(first).secret).toMatch(/^whsec_/);
    expect(second.statusCode).toBe(409);
    expect(bodyOf(rotated).secret).not.toBe(bodyOf(first).secret);
    expect(bodyOf(rotatedEndpoint).secret).not.toBe(created.secret);
    expect(deleted.statusCode).toBe(204);
    expect(gone.statusCode).toBe(404);
  });
});
