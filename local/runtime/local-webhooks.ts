import { DEFAULT_TENANT_ID } from '../../events/identifiers.js';
import { WebhookStore } from '../../functions/webhooks/webhook-store.js';
import type { LocalPipeline } from './local-pipeline.js';
import { environmentOf } from './synthesized-pipeline.js';

/** The webhooks table of a local pipeline, by the name the stack gives DeliverWebhook. */
export function localWebhookStore(pipeline: LocalPipeline): WebhookStore {
  return new WebhookStore(
    pipeline.db,
    environmentOf(pipeline.synthesized, 'deliverWebhook').WEBHOOKS_TABLE as string,
  );
}

/**
 * `npm start -- --webhook-secret whsec_...`: the secret that signs the per-subject `webhook.url` deliveries of the
 * local default tenant (the operator gave it, so it counts as read).
 */
export async function setLocalDefaultWebhookSecret(
  pipeline: LocalPipeline,
  secret: string,
  tenantId: string = DEFAULT_TENANT_ID,
): Promise<void> {
  const now = new Date().toISOString();
  await localWebhookStore(pipeline).replaceDefaultSecret(tenantId, { secret, createdAt: now }, now);
}
