import { jest } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { DISABLE_AFTER_FAILING_MS, deliverWebhook } from '../../../functions/webhooks/deliver-webhook.js';
import type { SendOptions } from '../../../functions/webhooks/http-sender.js';
import { RETRY_SCHEDULE_SECONDS } from '../../../functions/webhooks/retry-schedule.js';
import { newWebhookSecret, rotate } from '../../../functions/webhooks/signing.js';
import type { WebhookStore } from '../../../functions/webhooks/webhook-store.js';
import type { WebhookDelivery } from '../../../state-machines/webhooks/contract.js';
import { startLocalWebhookStore } from '../../support/local-webhook-store.js';

/**
 * The official verifier, at the moment the attempt was made: the injected clock is not the wall clock, and
 * verify() refuses a timestamp more than 5 minutes from its own now.
 */
function verifyAt(secret: string, sent: SendOptions): unknown {
  const at = Number(sent.headers['webhook-timestamp']) * 1000;
  const spy = jest.spyOn(Date, 'now').mockReturnValue(at);
  try {
    return new Webhook(secret).verify(sent.body, sent.headers);
  } finally {
    spy.mockRestore();
  }
}

/** One attempt at a time, with an injected clock and a scripted receiver (the sender is replaced, nothing else). */
describe('deliverWebhook', () => {
  let store: WebhookStore;
  let close: () => Promise<void>;
  const T0 = Date.parse('2026-12-01T10:00:00Z');
  const silentLog = { info() {}, warn() {}, error() {} };

  beforeAll(async () => {
    ({ store, close } = await startLocalWebhookStore());
  });
  afterAll(async () => close());

  let counter = 0;
  async function endpoint(secret = newWebhookSecret()) {
    counter += 1;
    const endpointId = `ep_${counter.toString(16).padStart(16, '0')}`;
    await store.putEndpoint({
      tenantId: 'acme',
      endpointId,
      url: 'https://hooks.example.com/x',
      eventTypes: [],
      description: '',
      enabled: true,
      createdAt: new Date(T0).toISOString(),
      secrets: [{ secret, createdAt: new Date(T0).toISOString() }],
    });
    const delivery: WebhookDelivery = {
      messageId: `msg_${counter}`,
      tenantId: 'acme',
      destination: { kind: 'endpoint', endpointId },
      payload: { type: 'model.ready', timestamp: new Date(T0).toISOString(), data: { subjectId: 'ana' } },
      attempt: 0,
      plannedAt: new Date(T0).toISOString(),
    };
    return { endpointId, delivery, secret };
  }

  /** A receiver answering each attempt with the next scripted status; records what it was sent. */
  function scripted(statuses: { status?: number; retryAfter?: string; error?: string }[]) {
    const sent: SendOptions[] = [];
    const send = async (options: SendOptions) => {
      sent.push(options);
      const next = statuses[Math.min(sent.length - 1, statuses.length - 1)] ?? {};
      return {
        ...(next.status !== undefined ? { statusCode: next.status } : {}),
        ...(next.retryAfter ? { retryAfter: next.retryAfter } : {}),
        ...(next.error ? { error: next.error } : {}),
        latencyMs: 12,
      };
    };
    return { send, sent };
  }

  const deps = (send: ReturnType<typeof scripted>['send'], now: { t: number }, random = () => 0.5) => ({
    store,
    urlPolicy: { allowedPorts: [], allowLoopback: false },
    clock: { now: () => now.t, random },
    log: silentLog,
    send,
  });

  it('retries on the schedule with the same webhook-id until a 2xx, then records every attempt', async () => {
    // Prepare
    const { delivery, endpointId, secret } = await endpoint();
    const receiver = scripted([{ status: 500 }, { error: 'ECONNRESET' }, { status: 204 }]);
    const now = { t: T0 };
    // Act: run attempts as the workflow does, advancing the clock by each wait
    let step = await deliverWebhook({ delivery }, deps(receiver.send, now));
    const waits: number[] = [];
    while (step.outcome === 'retry') {
      waits.push(step.waitSeconds);
      now.t += step.waitSeconds * 1000;
      step = await deliverWebhook({ delivery: step.delivery }, deps(receiver.send, now));
    }
    // Assess
    expect(step.outcome).toBe('delivered');
    expect(waits).toEqual([RETRY_SCHEDULE_SECONDS[1], RETRY_SCHEDULE_SECONDS[2]]);
    const ids = receiver.sent.map((s) => s.headers['webhook-id']);
    expect(ids).toEqual([delivery.messageId, delivery.messageId, delivery.messageId]);
    for (const sent of receiver.sent) {
      expect(() => verifyAt(secret, sent)).not.toThrow();
    }
    const attempts = await store.listAttempts('acme', endpointId, 10);
    expect(attempts.map((a) => [a.attempt, a.statusCode ?? null, a.outcome])).toEqual([
      [2, 204, 'delivered'],
      [1, null, 'failed'],
      [0, 500, 'failed'],
    ]);
    expect(attempts.every((a) => !('body' in a))).toBe(true);
  });

  it('waits at least what Retry-After asks', async () => {
    // Prepare
    const { delivery } = await endpoint();
    const receiver = scripted([{ status: 429, retryAfter: '90' }]);
    // Act
    const step = await deliverWebhook({ delivery }, deps(receiver.send, { t: T0 }));
    // Assess
    expect(step).toMatchObject({ outcome: 'retry', waitSeconds: 90 });
  });

  it('treats a 3xx as a failure', async () => {
    // Prepare
    const { delivery } = await endpoint();
    const receiver = scripted([{ status: 301 }]);
    // Act
    const step = await deliverWebhook({ delivery }, deps(receiver.send, { t: T0 }));
    // Assess
    expect(step.outcome).toBe('retry');
    expect(step.lastError).toContain('redirects are not followed');
  });

  it('is exhausted after the tenth attempt', async () => {
    // Prepare
    const { delivery } = await endpoint();
    const receiver = scripted([{ status: 500 }]);
    // Act
    const step = await deliverWebhook(
      { delivery: { ...delivery, attempt: 9 } },
      deps(receiver.send, { t: T0 }),
    );
    // Assess
    expect(step.outcome).toBe('exhausted');
  });

  it('disables the endpoint at once on 410, with one Webhook Endpoint Disabled, and sends nothing more', async () => {
    // Prepare
    const { delivery, endpointId } = await endpoint();
    const receiver = scripted([{ status: 410 }]);
    // Act
    const first = await deliverWebhook({ delivery }, deps(receiver.send, { t: T0 }));
    const later = await deliverWebhook({ delivery }, deps(receiver.send, { t: T0 + 1000 }));
    // Assess
    expect(first.outcome).toBe('disabled');
    expect(first.disabled).toMatchObject({ tenantId: 'acme', endpointId, reason: 'gone' });
    expect(later.outcome).toBe('dropped');
    expect(receiver.sent).toHaveLength(1);
    expect((await store.getEndpoint('acme', endpointId))?.enabled).toBe(false);
  });

  it('disables an endpoint whose every attempt failed for 5 days, and not one that succeeded meanwhile', async () => {
    // Prepare
    const failing = await endpoint();
    const recovering = await endpoint();
    const down = scripted([{ status: 503 }]);
    const up = scripted([{ status: 200 }]);
    // Act
    await deliverWebhook({ delivery: failing.delivery }, deps(down.send, { t: T0 }));
    await deliverWebhook({ delivery: recovering.delivery }, deps(down.send, { t: T0 }));
    await deliverWebhook({ delivery: recovering.delivery }, deps(up.send, { t: T0 + 3600_000 }));
    const late = T0 + DISABLE_AFTER_FAILING_MS;
    const failingLate = await deliverWebhook({ delivery: failing.delivery }, deps(down.send, { t: late }));
    const recoveringLate = await deliverWebhook(
      { delivery: recovering.delivery },
      deps(down.send, { t: late }),
    );
    // Assess
    expect(failingLate.outcome).toBe('disabled');
    expect(failingLate.disabled?.reason).toBe('failing');
    expect(recoveringLate.outcome).toBe('retry');
  });

  it('signs with both secrets during a rotation', async () => {
    // Prepare
    const old = newWebhookSecret();
    const { delivery, endpointId } = await endpoint(old);
    const fresh = newWebhookSecret();
    const current = await store.getEndpoint('acme', endpointId);
    await store.setEndpointSecrets('acme', endpointId, rotate(current?.secrets ?? [], fresh, T0, 3600));
    const receiver = scripted([{ status: 200 }]);
    // Act
    await deliverWebhook({ delivery }, deps(receiver.send, { t: T0 + 60_000 }));
    // Assess
    const sent = receiver.sent[0] as SendOptions;
    expect(sent.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(() => verifyAt(old, sent)).not.toThrow();
    expect(() => verifyAt(fresh, sent)).not.toThrow();
  });

  it('finds nothing to send for an endpoint id of another tenant', async () => {
    // Prepare
    const { delivery } = await endpoint();
    const receiver = scripted([{ status: 200 }]);
    // Act
    const step = await deliverWebhook(
      { delivery: { ...delivery, tenantId: 'globex' } },
      deps(receiver.send, { t: T0 }),
    );
    // Assess
    expect(step.outcome).toBe('dropped');
    expect(receiver.sent).toHaveLength(0);
  });

  it('signs a subject URL delivery with the tenant default secret and refuses a private URL', async () => {
    // Prepare
    const defaultSecret = newWebhookSecret();
    await store.replaceDefaultSecret(
      'initech',
      { secret: defaultSecret, createdAt: new Date(T0).toISOString() },
      new Date(T0).toISOString(),
    );
    const base = (await endpoint()).delivery;
    const toSubject = (url: string): WebhookDelivery => ({
      ...base,
      tenantId: 'initech',
      destination: { kind: 'subject-url', subjectId: 'ana', url },
    });
    const receiver = scripted([{ status: 200 }]);
    // Act
    const ok = await deliverWebhook(
      { delivery: toSubject('https://client.example.com/h') },
      deps(receiver.send, { t: T0 }),
    );
    const refused = await deliverWebhook(
      { delivery: toSubject('https://10.1.1.1/h') },
      deps(receiver.send, { t: T0 }),
    );
    // Assess
    expect(ok.outcome).toBe('delivered');
    const sent = receiver.sent[0] as SendOptions;
    expect(() => verifyAt(defaultSecret, sent)).not.toThrow();
    expect(refused.outcome).toBe('exhausted');
    expect(receiver.sent).toHaveLength(1);
  });
});
