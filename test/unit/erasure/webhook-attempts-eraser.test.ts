import { webhookAttemptsEraser } from '../../../functions/erasure/subject-erasers.js';
import { WebhookStore } from '../../../functions/webhooks/webhook-store.js';
import { startLocalDynamo } from '../../../local/runtime/local-dynamo.js';
import { webhooksTableDefinition } from '../../../local/runtime/table-definitions.js';

describe('webhookAttemptsEraser', () => {
  it("deletes the subject's delivery attempts only: not another subject's, not another tenant's, not the endpoints", async () => {
    // Prepare
    const dynamo = await startLocalDynamo([webhooksTableDefinition('webhooks')]);
    try {
      const store = new WebhookStore(dynamo.db, 'webhooks');
      const attempt = (subjectId: string | undefined, n: number) => ({
        destination: 'ep_1',
        messageId: `msg_${n}`,
        type: 'avatars.ready',
        attempt: 0,
        at: `2026-12-02T10:00:0${n}Z`,
        statusCode: 200,
        latencyMs: 12,
        outcome: 'delivered' as const,
        ...(subjectId ? { subjectId } : {}),
      });
      await store.recordAttempt('acme', attempt('ana', 1));
      await store.recordAttempt('acme', attempt('ana', 2));
      await store.recordAttempt('acme', attempt('bo', 3));
      await store.recordAttempt('acme', attempt(undefined, 4));
      await store.recordAttempt('globex', attempt('ana', 5));
      const eraser = webhookAttemptsEraser(dynamo.db, 'webhooks');
      // Act
      const before = await eraser.remaining({ tenantId: 'acme', subjectId: 'ana' });
      const erased = await eraser.erase({ tenantId: 'acme', subjectId: 'ana' });
      const again = await eraser.erase({ tenantId: 'acme', subjectId: 'ana' });
      // Assess
      expect(before).toBe(2);
      expect(erased).toBe(2);
      expect(again).toBe(0);
      expect(await eraser.remaining({ tenantId: 'acme', subjectId: 'ana' })).toBe(0);
      const left = (await store.listAttempts('acme', 'ep_1', 10)).map((a) => a.messageId).sort();
      expect(left).toEqual(['msg_3', 'msg_4']);
      expect(await eraser.remaining({ tenantId: 'globex', subjectId: 'ana' })).toBe(1);
    } finally {
      await dynamo.close();
    }
  });
});
