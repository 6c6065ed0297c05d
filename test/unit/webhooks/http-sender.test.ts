import type { LookupFunction } from 'node:net';
import { sendWebhook } from '../../../functions/webhooks/http-sender.js';
import { refusedAddress } from '../../../functions/webhooks/url-guard.js';
import { TestReceiver } from '../../support/webhook-receiver.js';

/** A DNS whose answer for a name changes after the first question (DNS rebinding). */
function rebindingLookup(answers: string[]): { lookup: LookupFunction; questions: string[] } {
  const questions: string[] = [];
  const lookup = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    questions.push(hostname);
    const address = answers[Math.min(questions.length - 1, answers.length - 1)] as string;
    if (options?.all) callback(null, [{ address, family: 4 }]);
    else callback(null, address, 4);
  }) as unknown as LookupFunction;
  return { lookup, questions };
}

describe('sendWebhook (node:http behind request-filtering-agent)', () => {
  const receivers: TestReceiver[] = [];
  afterAll(async () => {
    for (const receiver of receivers) await receiver.stop();
  });

  async function receiver(answer?: ConstructorParameters<typeof TestReceiver>[0]) {
    const r = new TestReceiver(answer);
    receivers.push(r);
    const url = new URL(await r.start());
    return { r, port: url.port };
  }

  it('refuses at connect time a name whose DNS answer changed to a loopback address after the check', async () => {
    // Prepare: the check sees a public address, the connection would reach this machine
    const { r, port } = await receiver();
    const dns = rebindingLookup(['93.184.216.34', '127.0.0.1']);
    const checked = await new Promise<string>((resolve) =>
      dns.lookup('rebind.example.com', {}, (_e, address) => resolve(String(address))),
    );
    expect(refusedAddress(checked)).toBeUndefined();
    // Act
    const result = await sendWebhook({
      url: new URL(`http://rebind.example.com:${port}/hooks`),
      headers: {},
      body: '{}',
      allowLoopback: false,
      lookup: dns.lookup,
    });
    // Assess
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toContain('not allowed');
    expect(r.requests).toHaveLength(0);
    expect(dns.questions).toHaveLength(2);
  });

  it('refuses a name that resolves to the metadata address even where loopback is allowed', async () => {
    // Prepare
    const dns = rebindingLookup(['169.254.169.254']);
    // Act
    const result = await sendWebhook({
      url: new URL('http://meta.example.com/latest'),
      headers: {},
      body: '{}',
      allowLoopback: true,
      lookup: dns.lookup,
    });
    // Assess
    expect(result.error).toContain('not allowed');
  });

  it('reports a 3xx as it is, without following the redirect', async () => {
    // Prepare
    const { r, port } = await receiver(() => ({
      status: 302,
      headers: { location: 'http://127.0.0.1:1/elsewhere' },
    }));
    // Act
    const result = await sendWebhook({
      url: new URL(`http://127.0.0.1:${port}/hooks`),
      headers: { 'webhook-id': 'msg_1' },
      body: '{"type":"x"}',
      allowLoopback: true,
    });
    // Assess
    expect(result.statusCode).toBe(302);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]?.body).toBe('{"type":"x"}');
  });

  it('gives up on a receiver that does not answer in time', async () => {
    // Prepare: a server that accepts and never answers
    const { createServer } = await import('node:http');
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    // Act
    const result = await sendWebhook({
      url: new URL(`http://127.0.0.1:${port}/`),
      headers: {},
      body: '{}',
      allowLoopback: true,
      timeoutMs: 200,
    });
    server.closeAllConnections();
    server.close();
    // Assess
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toContain('no answer within 0.2 s');
    expect(result.latencyMs).toBeGreaterThanOrEqual(190);
  });
});
