import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** One line of a local queue: what SendMessage sent, and where to. */
export interface LocalQueueMessage {
  MessageId: string;
  QueueUrl: string;
  sentAt: string;
  body: unknown;
}

/**
 * SQS queues a state machine sends to (`sqs:sendMessage`), locally: every message one JSON line in `queues.jsonl`
 * beside the bus's `events.jsonl`, with the queue's URL as the template resolves it.
 */
export class LocalQueues {
  private constructor(readonly file: string) {}

  static beside(busFile: string): LocalQueues {
    return new LocalQueues(join(dirname(busFile), 'queues.jsonl'));
  }

  async send(input: { QueueUrl: string; MessageBody: unknown }): Promise<{ MessageId: string }> {
    const message: LocalQueueMessage = {
      MessageId: randomUUID(),
      QueueUrl: String(input.QueueUrl),
      sentAt: new Date().toISOString(),
      body: typeof input.MessageBody === 'string' ? JSON.parse(input.MessageBody) : input.MessageBody,
    };
    await mkdir(dirname(this.file), { recursive: true });
    await appendFile(this.file, `${JSON.stringify(message)}\n`);
    return { MessageId: message.MessageId };
  }

  /** Every message sent so far (none if the file does not exist yet). */
  async messages(): Promise<LocalQueueMessage[]> {
    const text = await readFile(this.file, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LocalQueueMessage);
  }
}
