import {
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
} from '../../../functions/webhooks/endpoint-management.js';
import { WebhookRequestError } from '../../../functions/webhooks/errors.js';
import { AWS_URL_POLICY } from '../../../functions/webhooks/url-guard.js';
import { startLocalWebhookStore } from '../../support/local-webhook-store.js';

/** The functions the HTTP API mounts as /v1/webhook-endpoints routes, on dynalite. */
describe('webhook endpoint management', () => {
  let deps: WebhookManagementDeps;
  let close: () => Promise<void>;
  const now = { t: Date.parse('2026-12-01T10:00:00Z') };

  beforeAll(async () => {
    const local = await startLocalWebhookStore();
    close = local.close;
    deps = { store: local.store, urlPolicy: AWS_URL_POLICY, now: () => now.t, overlapSeconds: 3600 };
  });
  afterAll(async () => close());

  async function statusOf(
    call: Promise<unknown>,
  ): Promise<{ statusCode: number; message: string; field?: string }> {
    try {
      await call;
    } catch (error) {
      if (error instanceof WebhookRequestError) {
        return {
          statusCode: error.statusCode,
          message: error.message,
          ...('field' in error ? { field: String(error.field) } : {}),
        };
      }
      throw error;
    }
    throw new Error('expected a WebhookRequestError');
  }

  it('creates an endpoint with its own secret shown once, and lists it without the secret', async () => {
    // Act
    const created = await createWebhookEndpoint(deps, 'acme', {
      url: 'https://hooks.acme.example/avatars',
      eventTypes: ['model.ready', 'avatars.ready'],
      description: 'prod',
    });
    const listed = await listWebhookEndpoints(deps, 'acme');
    // Assess
    expect(created.secret).toMatch(/^whsec_/);
    expect(Buffer.from(created.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(created.endpoint).toMatchObject({ url: 'https://hooks.acme.example/avatars', enabled: true });
    expect(listed.endpoints.map((e) => e.id)).toEqual([created.endpoint.id]);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(JSON.stringify(await getWebhookEndpoint(deps, 'acme', created.endpoint.id))).not.toContain(
      'whsec_',
    );
  });

  it.each([
    [{ url: 'https://169.254.169.254/' }, 'url', 'metadata'],
    [{ url: 'http://hooks.example.com/' }, 'url', 'https'],
    [{ url: 'https://10.0.0.1/' }, 'url', 'private'],
    [{ url: 'https://hooks.example.com/', eventTypes: ['model.readyy'] }, 'eventTypes.0', 'model.ready'],
    [{ url: 'https://hooks.example.com/', secret: 'mine' }, '(body)', 'secret'],
    [{}, 'url', ''],
  ])('answers 400 naming the field and the fix for %j', async (body, field, words) => {
    // Act
    const answer = await statusOf(createWebhookEndpoint(deps, 'acme', body));
    // Assess
    expect(answer.statusCode).toBe(400);
    expect(answer.field).toBe(field);
    expect(answer.message).toContain(words);
  });

  it("answers 404 for another tenant's endpoint, for its attempts and its deletion, and leaves it in place", async () => {
    // Prepare
    const { endpoint } = await createWebhookEndpoint(deps, 'acme', { url: 'https://hooks.acme.example/b' });
    // Act
    const answers = await Promise.all([
      statusOf(getWebhookEndpoint(deps, 'globex', endpoint.id)),
      statusOf(listWebhookAttempts(deps, 'globex', endpoint.id)),
      statusOf(deleteWebhookEndpoint(deps, 'globex', endpoint.id)),
      statusOf(deleteWebhookEndpoint(deps, 'acme', 'ep_nonexistent')),
    ]);
    // Assess
    expect(answers.map((a) => a.statusCode)).toEqual([404, 404, 404, 404]);
    expect((await getWebhookEndpoint(deps, 'acme', endpoint.id)).id).toBe(endpoint.id);
  });

  it('deletes an endpoint of the tenant; a second delete is a 404', async () => {
    // Prepare
    const { endpoint } = await createWebhookEndpoint(deps, 'acme', { url: 'https://hooks.acme.example/c' });
    // Act
    await deleteWebhookEndpoint(deps, 'acme', endpoint.id);
    const again = await statusOf(deleteWebhookEndpoint(deps, 'acme', endpoint.id));
    // Assess
    expect(again.statusCode).toBe(404);
  });

  it('lists the attempts of an endpoint, newest first, without bodies', async () => {
    // Prepare
    const { endpoint } = await createWebhookEndpoint(deps, 'acme', { url: 'https://hooks.acme.example/d' });
    for (const [attempt, statusCode] of [
      [0, 500],
      [1, 200],
    ] as const) {
      await deps.store.recordAttempt('acme', {
        destination: endpoint.id,
        messageId: 'msg_1',
        type: 'model.ready',
        attempt,
        at: new Date(now.t + attempt * 5000).toISOString(),
        statusCode,
        latencyMs: 20,
        outcome: statusCode === 200 ? 'delivered' : 'failed',
      });
    }
    // Act
    const { attempts } = await listWebhookAttempts(deps, 'acme', endpoint.id, { limit: '10' });
    // Assess
    expect(attempts.map((a) => a.statusCode)).toEqual([200, 500]);
    expect(Object.keys(attempts[0] ?? {}).sort()).toEqual(
      ['at', 'attempt', 'destination', 'latencyMs', 'messageId', 'outcome', 'statusCode', 'type'].sort(),
    );
  });

  it('reads the default secret once (409 after), and rotation gives a new one while the old still signs', async () => {
    // Act
    const first = await readDefaultWebhookSecret(deps, 'initech');
    const second = await statusOf(readDefaultWebhookSecret(deps, 'initech'));
    const rotated = await rotateDefaultWebhookSecret(deps, 'initech');
    const stored = await deps.store.getDefaultSecret('initech');
    // Assess
    expect(first.secret).toMatch(/^whsec_/);
    expect(second.statusCode).toBe(409);
    expect(rotated.secret).not.toBe(first.secret);
    expect(stored?.secrets.map((s) => s.secret)).toEqual([rotated.secret, first.secret]);
    expect(stored?.secrets[1]?.retiresAt).toBe(new Date(now.t + 3600_000).toISOString());
  });

  it('rotates an endpoint secret, keeping the old one until the overlap ends', async () => {
    // Prepare
    const { endpoint, secret } = await createWebhookEndpoint(deps, 'acme', {
      url: 'https://hooks.acme.example/e',
    });
    // Act
    const rotated = await rotateWebhookEndpointSecret(deps, 'acme', endpoint.id);
    const record = await deps.store.getEndpoint('acme', endpoint.id);
    // Assess
    expect(record?.secrets.map((s) => s.secret)).toEqual([rotated.secret, secret]);
    expect(rotated.previousSecretRetiresAt).toBe(new Date(now.t + 3600_000).toISOString());
  });

  it('enables a disabled endpoint again with the same id and secret, clears its notice and its run of failures', async () => {
    // Prepare
    const { endpoint, secret } = await createWebhookEndpoint(deps, 'acme', {
      url: 'https://hooks.acme.example/e',
    });
    await deps.store.noteFailing('acme', endpoint.id, '2026-11-26T10:00:00.000Z');
    await deps.store.disableEndpoint(
      'acme',
      endpoint.id,
      'Failing every attempt for 5 days',
      '2026-12-01T10:00:00.000Z',
    );
    const disabled = await getWebhookEndpoint(deps, 'acme', endpoint.id);
    // Act
    const enabled = await enableWebhookEndpoint(deps, 'acme', endpoint.id);
    const again = await enableWebhookEndpoint(deps, 'acme', endpoint.id);
    const stored = await deps.store.getEndpoint('acme', endpoint.id);
    // Assess
    expect(disabled).toMatchObject({ enabled: false, disabledReason: 'Failing every attempt for 5 days' });
    expect(enabled).toEqual({ ...disabled, enabled: true, disabledReason: undefined, disabledAt: undefined });
    expect(again).toEqual(enabled);
    expect(stored).toMatchObject({ enabled: true, secrets: [expect.objectContaining({ secret })] });
    expect(stored).not.toHaveProperty('failingSince');
    expect(stored).not.toHaveProperty('disabledReason');
  });

  it("answers 404 for enabling another tenant's endpoint, and leaves it disabled", async () => {
    // Prepare
    const { endpoint } = await createWebhookEndpoint(deps, 'acme', { url: 'https://hooks.acme.example/f' });
    await deps.store.disableEndpoint('acme', endpoint.id, 'Gone (410)', '2026-12-01T10:00:00.000Z');
    // Act
    const answers = [
      await statusOf(enableWebhookEndpoint(deps, 'globex', endpoint.id)),
      await statusOf(enableWebhookEndpoint(deps, 'acme', 'ep_nonexistent')),
    ];
    // Assess
    expect(answers.map((a) => a.statusCode)).toEqual([404, 404]);
    expect((await getWebhookEndpoint(deps, 'acme', endpoint.id)).enabled).toBe(false);
  });
});
