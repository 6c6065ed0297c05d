import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
  at: number;
}

/**
 * A real HTTP receiver on 127.0.0.1 for tests: records every request (headers and raw body) and answers with
 * `answer(request, index of this webhook-id's attempt)`, 200 by default.
 */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  private server?: Server;
  private readonly attemptsById = new Map<string, number>();

  constructor(
    private readonly answer: (
      attemptOfId: number,
      body: string,
    ) => { status: number; headers?: Record<string, string> } = () => ({
      status: 200,
    }),
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const id = String(req.headers['webhook-id']);
        const attempt = this.attemptsById.get(id) ?? 0;
        this.attemptsById.set(id, attempt + 1);
        const { status, headers } = this.answer(attempt, body);
        this.requests.push({ headers: req.headers, body, answered: status, at: Date.now() });
        res.writeHead(status, headers);
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/hooks`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
