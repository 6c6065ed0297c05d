import { planWebhookDeliveries } from '../../../functions/webhooks/plan-deliveries.js';
import type { WebhookStore } from '../../../functions/webhooks/webhook-store.js';
import { startLocalWebhookStore } from '../../support/local-webhook-store.js';

describe('planWebhookDeliveries', () => {
  let store: WebhookStore;
  let close: () => Promise<void>;
  const now = Date.parse('2026-12-01T10:00:00Z');
  const log = { info() {}, warn() {}, error() {} };
  const settings: Record<string, string> = {
    'acme/ana': JSON.stringify({ webhook: { url: 'https://client.acme.example/hook' } }),
    'acme/bo': JSON.stringify({ webhook: { url: 'https://10.0.0.9/hook' } }),
  };
  const subjects = {
    getSubject: async (ref: { tenantId: string; subjectId: string }) => {
      const json = settings[`${ref.tenantId}/${ref.subjectId}`];
      return json ? { settingsJson: json } : undefined;
    },
  };

  beforeAll(async () => {
    ({ store, close } = await startLocalWebhookStore());
    const endpoint = (endpointId: string, tenantId: string, eventTypes: string[], enabled = true) =>
      store.putEndpoint({
        tenantId,
        endpointId,
        url: 'https://hooks.example.com/x',
        eventTypes,
        description: '',
        enabled,
        createdAt: new Date(now).toISOString(),
        secrets: [{ secret: 'whsec_x', createdAt: new Date(now).toISOString() }],
      });
    await endpoint('ep_all', 'acme', []);
    await endpoint('ep_ready', 'acme', ['avatars.ready']);
    await endpoint('ep_off', 'acme', [], false);
    await endpoint('ep_globex', 'globex', []);
  });
  afterAll(async () => close());

  const deps = () => ({
    store,
    subjects,
    urlPolicy: { allowedPorts: [], allowLoopback: false },
    now: () => now,
    log,
  });
  const event = (detailType: string, detail: Record<string, unknown>, source = 'avatar-pipeline') => ({
    id: 'e-1',
    'detail-type': detailType,
    source,
    time: '2026-12-01T09:59:59Z',
    detail,
  });

  it("sends a tenant's event to its enabled endpoints whose filter names the type, and to the subject's URL", async () => {
    // Act
    const { deliveries } = await planWebhookDeliveries(
      event('Model Ready', { tenantId: 'acme', subjectId: 'ana' }),
      deps(),
    );
    // Assess
    expect(deliveries.map((d) => d.destination)).toEqual([
      { kind: 'endpoint', endpointId: 'ep_all' },
      { kind: 'subject-url', subjectId: 'ana', url: 'https://client.acme.example/hook' },
    ]);
    expect(new Set(deliveries.map((d) => d.messageId))).toEqual(new Set(['msg_e-1']));
    expect(deliveries[0]?.payload).toEqual({
      type: 'model.ready',
      timestamp: '2026-12-01T09:59:59Z',
      data: { tenantId: 'acme', subjectId: 'ana' },
    });
  });

  it('never plans a subject URL the SSRF guard refuses, nor anything for another source', async () => {
    // Act
    const refused = await planWebhookDeliveries(
      event('Avatars Ready', { tenantId: 'acme', subjectId: 'bo' }),
      deps(),
    );
    const foreign = await planWebhookDeliveries(
      event('Avatars Ready', { tenantId: 'acme', subjectId: 'ana' }, 'partner.example'),
      deps(),
    );
    // Assess
    expect(refused.deliveries.map((d) => d.destination)).toEqual([
      { kind: 'endpoint', endpointId: 'ep_all' },
      { kind: 'endpoint', endpointId: 'ep_ready' },
    ]);
    expect(foreign.deliveries).toEqual([]);
  });

  it('plans a redrive again from the first attempt with the same id', async () => {
    // Prepare
    const { deliveries } = await planWebhookDeliveries(event('Model Ready', { tenantId: 'globex' }), deps());
    const exhausted = { ...(deliveries[0] as (typeof deliveries)[number]), attempt: 9 };
    // Act
    const redriven = await planWebhookDeliveries({ redrive: [exhausted] }, deps());
    // Assess
    expect(deliveries.map((d) => d.destination)).toEqual([{ kind: 'endpoint', endpointId: 'ep_globex' }]);
    expect(redriven.deliveries).toEqual([
      { ...exhausted, attempt: 0, plannedAt: new Date(now).toISOString() },
    ]);
  });
});
