import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { SubjectRejected } from '../../../events/pipeline-events.js';
import { newWebhookSecret } from '../../../functions/webhooks/signing.js';
import { LocalQueues } from '../../../local/runtime/local-queues.js';
import { localWebhookStore, setLocalDefaultWebhookSecret } from '../../../local/runtime/local-webhooks.js';
import { generateSampleSubjects } from '../../../local/samples/generate-sample-subjects.js';
import { LocalPipelines } from '../../support/local-pipelines.js';
import { TestReceiver } from '../../support/webhook-receiver.js';

/**
 * Webhooks through the synthesized webhooks workflow on the local engine, to real HTTP receivers on 127.0.0.1:
 * the subject's own `webhook.url` (signed with the tenant's default secret) and a registered endpoint.
 */
describe('webhooks (synthesized definition, local engine, real HTTP receivers)', () => {
  let samplesDir: string;
  let photos: { name: string; body: Buffer }[];
  const pipelines = new LocalPipelines();
  const receivers: TestReceiver[] = [];

  beforeAll(async () => {
    samplesDir = await mkdtemp(join(tmpdir(), 'webhooks-'));
    const [ana] = await generateSampleSubjects(samplesDir, { subjects: ['good-ana'] });
    if (!ana) throw new Error('no sample subject');
    photos = await Promise.all(
      ana.files
        .filter((file) => file.expected === 'good')
        .map(async (file) => ({ name: file.name, body: await readFile(join(ana.dir, file.name)) })),
    );
  });
  afterAll(async () => {
    await pipelines.closeAll();
    for (const receiver of receivers) await receiver.stop();
    await rm(samplesDir, { recursive: true, force: true });
  });

  async function dropSubject(
    pipeline: Awaited<ReturnType<LocalPipelines['open']>>,
    subjectId: string,
    url: string,
  ) {
    pipeline.holdStarts();
    await pipeline.dropObject(`subjects/${subjectId}/subject.json`, JSON.stringify({ webhook: { url } }));
    for (const photo of photos) await pipeline.dropObject(`subjects/${subjectId}/${photo.name}`, photo.body);
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
  }

  it('delivers every event of the subject signed and verifiable, retrying failed attempts with the same webhook-id', async () => {
    // Prepare: a receiver that fails the first two attempts of every message, then accepts it
    const receiver = new TestReceiver((attempt) => ({ status: attempt < 2 ? 503 : 204 }));
    receivers.push(receiver);
    const url = await receiver.start();
    const pipeline = await pipelines.open();
    const secret = newWebhookSecret();
    await setLocalDefaultWebhookSecret(pipeline, secret);
    // Act
    await dropSubject(pipeline, 'ana', url);
    // Assess: every request verifies with the official verifier
    const verifier = new Webhook(secret);
    for (const request of receiver.requests) {
      expect(() => verifier.verify(request.body, request.headers as Record<string, string>)).not.toThrow();
    }
    const accepted = receiver.requests.filter((r) => r.answered === 204);
    const types = accepted.map((r) => (JSON.parse(r.body) as { type: string }).type);
    expect(types).toEqual(
      expect.arrayContaining([
        'subject.received',
        'subject.accepted',
        'training.started',
        'model.ready',
        'avatars.ready',
      ]),
    );
    // Exactly one accepted delivery of each message, after two failed attempts with the same id
    const ids = accepted.map((r) => String(r.headers['webhook-id']));
    expect(new Set(ids).size).toBe(ids.length);
    const subjectEvents = pipeline.bus.published.filter((e) => e.detail.subjectId === 'ana');
    expect(ids.sort()).toEqual(subjectEvents.map((e) => `msg_${e.id.replace(/[^A-Za-z0-9_-]/g, '')}`).sort());
    for (const id of ids) {
      const attempts = receiver.requests.filter((r) => r.headers['webhook-id'] === id);
      expect(attempts.map((r) => r.answered)).toEqual([503, 503, 204]);
    }
    const body = JSON.parse(accepted.find((r) => r.body.includes('"avatars.ready"'))?.body ?? '{}');
    expect(Object.keys(body).sort()).toEqual(['data', 'timestamp', 'type']);
    expect(body.data.subjectId).toBe('ana');
    expect(await LocalQueues.beside(pipeline.bus.file).messages()).toEqual([]);
  });

  it('sends to a registered endpoint only the types it subscribed to, and disables it on 410 with an event', async () => {
    // Prepare
    const receiver = new TestReceiver(() => ({ status: 410 }));
    receivers.push(receiver);
    const url = await receiver.start();
    const pipeline = await pipelines.open();
    const store = localWebhookStore(pipeline);
    const endpointSecret = newWebhookSecret();
    await store.putEndpoint({
      tenantId: 'default',
      endpointId: 'ep_00000000000000aa',
      url,
      eventTypes: ['subject.accepted'],
      description: 'test',
      enabled: true,
      createdAt: new Date().toISOString(),
      secrets: [{ secret: endpointSecret, createdAt: new Date().toISOString() }],
    });
    // Act
    pipeline.holdStarts();
    for (const photo of photos) await pipeline.dropObject(`subjects/bo/${photo.name}`, photo.body);
    await pipeline.fastForwardQuietPeriods();
    await pipeline.settled();
    // Assess: one attempt (410 ends it at once), disabled, one Webhook Endpoint Disabled, the message dead-lettered
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.parse(receiver.requests[0]?.body ?? '{}').type).toBe('subject.accepted');
    expect(() =>
      new Webhook(endpointSecret).verify(
        receiver.requests[0]?.body ?? '',
        receiver.requests[0]?.headers as never,
      ),
    ).not.toThrow();
    const endpoint = await store.getEndpoint('default', 'ep_00000000000000aa');
    expect(endpoint?.enabled).toBe(false);
    expect(endpoint?.disabledReason).toContain('410');
    const disabled = pipeline.bus.published.filter((e) => e['detail-type'] === 'Webhook Endpoint Disabled');
    expect(disabled.map((e) => e.detail.reason)).toEqual(['gone']);
    const dead = await LocalQueues.beside(pipeline.bus.file).messages();
    expect(dead).toHaveLength(1);
    const redrive = (dead[0]?.body ?? { redrive: [] }) as { redrive: { messageId: string }[] };
    expect(redrive.redrive[0]?.messageId).toBe(receiver.requests[0]?.headers['webhook-id']);
    const attempts = await store.listAttempts('default', 'ep_00000000000000aa', 10);
    expect(attempts.map((a) => [a.statusCode, a.outcome])).toEqual([[410, 'failed']]);
  });

  it.each([
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['a private address', 'https://10.0.0.7/hooks'],
    ['a hex loopback-looking private literal', 'https://0xa000001/hooks'],
  ])('rejects a subject.json whose webhook.url is %s before training', async (_what, url) => {
    // Prepare
    const pipeline = await pipelines.open();
    // Act
    await dropSubject(pipeline, 'cy', url);
    // Assess
    const rejected = pipeline.bus.published.filter((e) => e['detail-type'] === 'Subject Rejected');
    expect(rejected).toHaveLength(1);
    const detail = SubjectRejected.parse(rejected[0]?.detail);
    expect(detail.reason).toContain('webhook.url');
    expect(pipeline.bus.published.some((e) => e['detail-type'] === 'Training Started')).toBe(false);
    expect(pipeline.bus.published.some((e) => e['detail-type'] === 'Subject Accepted')).toBe(false);
  });
});
