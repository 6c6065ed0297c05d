import type { AddressInfo } from 'node:net';
import { sendWebhook } from '../../../functions/webhooks/http-sender.js';
import { newWebhookSecret, signWebhook } from '../../../functions/webhooks/signing.js';
import { createWebhookReceiver } from '../../../local/webhooks/webhook-receiver.js';

describe('npm run webhook-receiver', () => {
  it('verifies and prints what arrives, fails the first attempts when asked, and refuses a forged signature', async () => {
    // Prepare
    const secret = newWebhookSecret();
    const lines: string[] = [];
    const { server, received } = createWebhookReceiver({ secret, failFirst: 1, print: (l) => lines.push(l) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`);
    const body = JSON.stringify({ type: 'model.ready', timestamp: new Date().toISOString(), data: {} });
    const send = (key: string) =>
      sendWebhook({
        url,
        headers: { ...signWebhook([key], 'msg_a', new Date(), body) },
        body,
        allowLoopback: true,
      });
    // Act
    const first = await send(secret);
    const second = await send(secret);
    const forged = await send(newWebhookSecret());
    server.close();
    // Assess
    expect([first.statusCode, second.statusCode, forged.statusCode]).toEqual([503, 204, 401]);
    expect(received.map((r) => r.verified)).toEqual([true, true, false]);
    expect(lines[1]).toContain('msg_a attempt 2 model.ready signature verified -> 204');
    expect(lines[2]).toContain('REFUSED');
  });
});
