import { Duration } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../events/pipeline-events.js';

export interface NotificationProps {
  /** Name of the pipeline's own EventBridge bus (context `eventBusName`). */
  readonly eventBusName: string;
  /**
   * An address subscribed to the notification topic (context `notificationEmail`).
   * @default - nobody is subscribed; the topic still receives every pipeline event
   */
  readonly notificationEmail?: string;
}

/**
 * How the pipeline tells the world: its own EventBridge bus (partners subscribe with rules; the catalogue of
 * events is under events/), and an SNS topic that receives every pipeline event, for people who want email.
 */
export class Notification extends Construct {
  readonly bus: EventBus;
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: NotificationProps) {
    super(scope, id);

    this.bus = new EventBus(this, 'Bus', { eventBusName: props.eventBusName });

    // A customer key rather than the AWS managed SNS key: EventBridge (and CloudWatch alarms) can only publish to
    // a topic whose key policy lets their service principal use the key, and the managed key's cannot be changed.
    const topicKey = new Key(this, 'TopicKey', {
      description: 'Encrypts the avatar pipeline notification topic',
      enableKeyRotation: true,
    });
    for (const publisher of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      topicKey.grant(new ServicePrincipal(publisher), 'kms:Decrypt', 'kms:GenerateDataKey*');
    }

    this.topic = new Topic(this, 'Topic', {
      displayName: 'Avatar pipeline events',
      masterKey: topicKey,
      enforceSSL: true,
    });
    if (props.notificationEmail) {
      this.topic.addSubscription(new EmailSubscription(props.notificationEmail));
    }

    new Rule(this, 'ForwardPipelineEventsToTopic', {
      eventBus: this.bus,
      description: 'Every event the pipeline publishes, forwarded to the notification topic',
      eventPattern: { source: [EVENT_SOURCE] },
      targets: [new SnsTopic(this.topic, { retryAttempts: 8, maxEventAge: Duration.hours(24) })],
    });
  }
}
