import { WebhookStore } from '../../functions/webhooks/webhook-store.js';
import { startLocalDynamo } from '../../local/runtime/local-dynamo.js';
import { webhooksTableDefinition } from '../../local/runtime/table-definitions.js';

/** The webhooks table alone on dynalite (real conditional-write semantics), for tests of the webhooks logic. */
export async function startLocalWebhookStore(): Promise<{ store: WebhookStore; close(): Promise<void> }> {
  const dynamo = await startLocalDynamo([webhooksTableDefinition('webhooks')]);
  return { store: new WebhookStore(dynamo.db, 'webhooks'), close: dynamo.close };
}
