import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Keys } from './keys.js';

/**
 * A dead-letter queue of the stack: what EventBridge (or a workflow) could not deliver after its retries, kept 14
 * days for a re-drive and never dropped, encrypted with the messages key, TLS only. Observability alarms on each.
 */
export function deadLetterQueue(
  scope: Construct,
  id: string,
  keys: Pick<Keys, 'messages'>,
  what: string,
): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.KMS,
    encryptionMasterKey: keys.messages,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is itself the dead-letter queue of ${what}; a DLQ of a DLQ adds nothing.`,
  });
  return queue;
}
