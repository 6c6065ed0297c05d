import { randomUUID } from 'node:crypto';
import type { SNSEvent } from 'aws-lambda';

/**
 * An SNS topic on this machine: each published message is delivered to every subscriber as the SNS -> Lambda
 * event AWS sends (the message as a JSON string in `Records[].Sns.Message`), after the publisher returns.
 */
export class LocalTopic {
  private readonly subscribers: ((event: SNSEvent) => Promise<unknown>)[] = [];
  private readonly deliveries = new Set<Promise<unknown>>();
  /** What was published, in order (e-mail subscribers would have got these). */
  readonly published: { subject: string; message: string }[] = [];

  constructor(readonly topicArn: string) {}

  subscribe(subscriber: (event: SNSEvent) => Promise<unknown>): void {
    this.subscribers.push(subscriber);
  }

  publish(message: string, subject = ''): void {
    this.published.push({ subject, message });
    const event: SNSEvent = {
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: `${this.topicArn}:${randomUUID()}`,
          Sns: {
            Type: 'Notification',
            MessageId: randomUUID(),
            TopicArn: this.topicArn,
            Subject: subject,
            Message: message,
            Timestamp: new Date().toISOString(),
            SignatureVersion: '1',
            Signature: 'LOCAL',
            SigningCertUrl: 'https://localhost/local-topic.pem',
            UnsubscribeUrl: 'https://localhost/unsubscribe',
            MessageAttributes: {},
          },
        },
      ],
    };
    for (const subscriber of this.subscribers) {
      const delivery = new Promise((resolve) => setImmediate(resolve)).then(() => subscriber(event));
      this.deliveries.add(delivery);
      delivery.finally(() => this.deliveries.delete(delivery)).catch(() => {});
    }
  }

  get idle(): boolean {
    return this.deliveries.size === 0;
  }

  /** Waits for the deliveries in flight (tests and the end of a local run). */
  async drained(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.allSettled([...this.deliveries]);
  }
}
