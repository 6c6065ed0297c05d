import { createServer, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface ReceiverOptions {
  secret: string;
  /** Answer 503 to the first N attempts of each webhook-id (to watch the retries with the same id). */
  failFirst?: number;
  print: (line: string) => void;
}

/** One request as the receiver judged it. */
export interface ReceivedWebhook {
  id: string;
  type?: string;
  verified: boolean;
  problem?: string;
  status: number;
}

/**
 * A small receiver that verifies every request with the official standardwebhooks verifier and prints what
 * arrives: id, type, whether the signature holds, and what it answered (204, 401 for a bad signature, 503 for a
 * deliberate failure).
 */
export function createWebhookReceiver(options: ReceiverOptions): {
  server: Server;
  received: ReceivedWebhook[];
} {
  const verifier = new Webhook(options.secret);
  const attempts = new Map<string, number>();
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      const attempt = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, attempt);
      let entry: ReceivedWebhook;
      try {
        const payload = verifier.verify(body, req.headers as Record<string, string>) as { type?: string };
        const fail = attempt <= (options.failFirst ?? 0);
        entry = {
          id,
          ...(payload.type ? { type: payload.type } : {}),
          verified: true,
          status: fail ? 503 : 204,
        };
      } catch (error) {
        entry = { id, verified: false, problem: (error as Error).message, status: 401 };
      }
      received.push(entry);
      options.print(
        `${new Date().toISOString()} ${entry.id || '(no webhook-id)'} attempt ${attempt} ${entry.type ?? '-'} ${
          entry.verified ? 'signature verified' : `REFUSED: ${entry.problem}`
        } -> ${entry.status}`,
      );
      res.writeHead(entry.status);
      res.end();
    });
  });
  return { server, received };
}
