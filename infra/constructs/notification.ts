import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import { EventBus, EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
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
  /** The key of what EventBridge and CloudWatch alarms deliver (`Keys.messages`): the topic is encrypted with it. */
  readonly messagesKey: IKey;
}

/**
 * How the pipeline tells the world: its own EventBridge bus (partners subscribe with rules; the catalogue of
 * events is under events/), and an SNS topic that receives a notice of every pipeline event (its type, tenant,
 * subject and time: never its detail, so no prompt, key or link) and every alarm, for people who want email.
 *
 * The topic is encrypted with the messages key. EventBridge publishes to it with a role of its own (sns:Publish on
 * this topic and the key, nothing else), since a key policy cannot restrict EventBridge's publishing to one rule;
 * CloudWatch publishes its alarms as a service principal that the topic policy admits for alarms of this account
 * and region only (`aws:SourceAccount`, `aws:SourceArn`).
 */
export class Notification extends Construct {
  readonly bus: EventBus;
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: NotificationProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.bus = new EventBus(this, 'Bus', { eventBusName: props.eventBusName });

    this.topic = new Topic(this, 'Topic', {
      displayName: 'Avatar pipeline events',
      masterKey: props.messagesKey,
      enforceSSL: true,
    });
    if (props.notificationEmail) {
      this.topic.addSubscription(new EmailSubscription(props.notificationEmail));
    }
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    const publisher = new Role(this, 'ForwardingRole', {
      assumedBy: new ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'EventBridge publishes the pipeline events to the notification topic with this role',
    });
    new Rule(this, 'ForwardPipelineEventsToTopic', {
      eventBus: this.bus,
      description:
        'Every event the pipeline publishes, as a notice without its detail, to the notification topic',
      eventPattern: { source: [EVENT_SOURCE] },
      targets: [
        new SnsTopic(this.topic, {
          // Results go only to their owner (issue 11): the topic's readers get what happened to which subject, never
          // the detail (prompts, photo and avatar keys, reasons quoting prompts). Owners read results from the API.
          message: RuleTargetInput.fromObject({
            event: EventField.detailType,
            tenantId: EventField.fromPath('$.detail.tenantId'),
            subjectId: EventField.fromPath('$.detail.subjectId'),
            time: EventField.time,
          }),
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
          authorizeUsingRole: true,
          role: publisher,
        }),
      ],
    });
    Validations.of(publisher.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'Topic.grantPublish on the encrypted notification topic: GenerateDataKey and GenerateDataKeyWithoutPlaintext on the messages key only.',
    });
  }
}
