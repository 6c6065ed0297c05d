import { Webhook } from 'standardwebhooks';
import {
  MAX_WEBHOOK_BODY_BYTES,
  webhookBody,
  webhookPayload,
  webhookType,
} from '../../../functions/webhooks/message.js';
import {
  newWebhookSecret,
  rotate,
  signingSecrets,
  signWebhook,
} from '../../../functions/webhooks/signing.js';

describe('webhook messages and signatures', () => {
  it.each([
    ['Subject Accepted', 'subject.accepted'],
    ['Avatars Ready', 'avatars.ready'],
    ['Webhook Endpoint Disabled', 'webhook.endpoint.disabled'],
    ['Model Ready', 'model.ready'],
  ])('names %s %s', (detailType, type) => {
    // Act / Assess
    expect(webhookType(detailType)).toBe(type);
  });

  it('makes secrets of at least 24 random bytes with the whsec_ prefix, each different', () => {
    // Act
    const secrets = [newWebhookSecret(), newWebhookSecret()];
    // Assess
    for (const secret of secrets) {
      expect(secret.startsWith('whsec_')).toBe(true);
      expect(Buffer.from(secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    }
    expect(secrets[0]).not.toBe(secrets[1]);
  });

  it('signs so that the official standardwebhooks verifier accepts the delivery', () => {
    // Prepare
    const secret = newWebhookSecret();
    const body = webhookBody(
      webhookPayload('Subject Accepted', '2026-12-01T10:00:00Z', { subjectId: 'ana' }),
    );
    // Act
    const headers = signWebhook([secret], 'msg_1', new Date(), body);
    // Assess
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow();
  });

  it('during a rotation carries both signatures, space-separated, each verifying with its own secret', () => {
    // Prepare
    const old = newWebhookSecret();
    const fresh = newWebhookSecret();
    const now = Date.parse('2026-12-01T10:00:00Z');
    const stored = rotate([{ secret: old, createdAt: '2026-11-01T00:00:00Z' }], fresh, now, 3600);
    const body = webhookBody(webhookPayload('Model Ready', '2026-12-01T10:00:00Z', { subjectId: 'ana' }));
    // Act
    const during = signWebhook(signingSecrets(stored, now + 1000), 'msg_2', new Date(), body);
    const after = signingSecrets(stored, now + 3601 * 1000);
    // Assess
    expect(during['webhook-signature'].split(' ')).toHaveLength(2);
    expect(during['webhook-signature'].split(' ').every((s) => s.startsWith('v1,'))).toBe(true);
    expect(() => new Webhook(old).verify(body, { ...during })).not.toThrow();
    expect(() => new Webhook(fresh).verify(body, { ...during })).not.toThrow();
    expect(after).toEqual([fresh]);
  });

  it('sends a thin body (scalar fields and truncated: true) when the detail would reach 20 KB', () => {
    // Prepare
    const prompts = Array.from({ length: 60 }, (_, i) => ({ promptId: `p${i}`, prompt: 'x'.repeat(400) }));
    // Act
    const payload = webhookPayload('Avatars Ready', '2026-12-01T10:00:00Z', { subjectId: 'ana', prompts });
    // Assess
    expect(Buffer.byteLength(webhookBody(payload))).toBeLessThan(MAX_WEBHOOK_BODY_BYTES);
    expect(payload.data).toEqual({ subjectId: 'ana', truncated: true });
  });
});
