import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Random bytes in a secret: Standard Webhooks allows 24 to 64. */
export const SECRET_BYTES = 32;

/** A new `whsec_` secret (base64 of 32 random bytes). */
export function newWebhookSecret(random: (size: number) => Buffer = randomBytes): string {
  return `whsec_${random(SECRET_BYTES).toString('base64')}`;
}

/** A secret as stored: the newest first; one rotated out signs until `retiresAt` (the overlap window). */
export interface StoredSecret {
  secret: string;
  createdAt: string;
  /** Set when a newer secret replaced it: until then deliveries carry both signatures. */
  retiresAt?: string;
}

/** The secrets that sign at `now`: the current one and every rotated-out one still inside its overlap window. */
export function signingSecrets(secrets: readonly StoredSecret[], now: number): string[] {
  return secrets.filter((s) => !s.retiresAt || Date.parse(s.retiresAt) > now).map((s) => s.secret);
}

/** Rotation: a new current secret; the previous current one retires after `overlapSeconds`. */
export function rotate(
  secrets: readonly StoredSecret[],
  fresh: string,
  now: number,
  overlapSeconds: number,
): StoredSecret[] {
  const nowIso = new Date(now).toISOString();
  const retiresAt = new Date(now + overlapSeconds * 1000).toISOString();
  const kept = secrets
    .filter((s) => !s.retiresAt || Date.parse(s.retiresAt) > now)
    .map((s) => (s.retiresAt ? s : { ...s, retiresAt }));
  return [{ secret: fresh, createdAt: nowIso }, ...kept];
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The Standard Webhooks headers of one attempt: `v1,<base64 HMAC-SHA256 of id.timestamp.body>` per secret,
 * space-separated (the package signs with one key; during a rotation each secret signs once).
 */
export function signWebhook(
  secrets: readonly string[],
  messageId: string,
  at: Date,
  body: string,
): SignedHeaders {
  if (secrets.length === 0) throw new Error('No secret to sign the webhook with');
  const signatures = secrets.map((secret) => new Webhook(secret).sign(messageId, at, body));
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
