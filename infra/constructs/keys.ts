import { ArnFormat, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, type IGrantable, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface KeysProps {
  /** What happens to the keys when the stack is deleted (kept with the data they decrypt, context `retainData`). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The pipeline's customer-managed KMS keys, one per data class, each with automatic yearly rotation. They are split
 * by who must be able to use them, so that each key policy admits at most one kind of AWS service principal:
 *
 * - `data`: personal data at rest: the photo bucket (SSE-KMS with bucket keys), the DynamoDB tables (ledger,
 *   training state, model registry), the training endpoint's topics and its async inference output, and endpoint
 *   volumes. Only our own roles use it, through IAM grants limited by `kms:ViaService` to the service that holds
 *   the data (`grantDataKey`). No service principal is admitted.
 * - `logs`: every log group of the stack (functions, state machines, SageMaker endpoints, VPC flow logs). Only the
 *   CloudWatch Logs service of this region may use it, for log groups of this account and region
 *   (`kms:EncryptionContext:aws:logs:arn`).
 * - `messages`: what EventBridge and CloudWatch alarms deliver: the notification topic and the dead-letter queues of
 *   the EventBridge rules (pipeline events: subject ids, reasons, no photos). CloudWatch may use it only for alarms
 *   of this account and region (`aws:SourceAccount`, `aws:SourceArn`); EventBridge for the dead-letter queues, whose
 *   queue policies admit only their own rule.
 *
 * Every key policy also keeps CDK's default statement for the account root, so that IAM policies of this account
 * can grant the key (and nobody is locked out of it).
 */
export class Keys extends Construct {
  readonly data: Key;
  readonly logs: Key;
  readonly messages: Key;

  constructor(scope: Construct, id: string, props: KeysProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const key = (keyId: string, description: string) =>
      new Key(this, keyId, {
        description,
        enableKeyRotation: true,
        removalPolicy: props.removalPolicy,
        // When a dev stack is deleted (retainData=false) the keys go after the shortest wait KMS allows.
        pendingWindow: Duration.days(7),
      });

    this.data = key(
      'DataKey',
      'Avatar pipeline: photos, training sets, models, avatars, tables (personal data)',
    );

    this.logs = key('LogsKey', 'Avatar pipeline: every log group of the stack');
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
    this.logs.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchLogsForLogGroupsOfThisAccountAndRegion',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    this.messages = key('MessagesKey', 'Avatar pipeline: notification topic and dead-letter queues (events)');
    // CloudWatch alarms publishing to the encrypted topic (https://docs.aws.amazon.com/sns/latest/dg/
    // sns-key-management.html#compatibility-with-aws-services), for alarms of this account and region only.
    this.messages.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
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
    // EventBridge sending an event it could not deliver to a rule's dead-letter queue (SQS encrypts it with this
    // key). The KMS request that SQS makes for EventBridge carries no aws:SourceArn to test here (AWS documents the
    // same for EventBridge to encrypted SNS topics), so the confused-deputy check is the queue policy's: each
    // dead-letter queue admits events.amazonaws.com only for aws:SourceArn = its own rule. The key alone lets
    // EventBridge write nowhere. The notification topic is published to with a role instead (see Notification).
    this.messages.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowEventBridgeDeadLetterQueues',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
  }

  /**
   * Lets `grantee` use the data key only through `service` (`kms:ViaService`), for reading (`Decrypt`) or also
   * writing (`GenerateDataKey`, `Encrypt`, ...: what S3 multipart uploads and DynamoDB writes ask for). For S3 the
   * encryption context must be the photo bucket's (with bucket keys S3 passes the bucket ARN).
   */
  grantDataKey(
    grantee: IGrantable,
    service: 's3' | 'dynamodb',
    access: 'read' | 'write',
    encryptionContext?: { s3BucketArn: string },
  ): void {
    const stack = Stack.of(this);
    const actions =
      access === 'read'
        ? ['kms:Decrypt', 'kms:DescribeKey']
        : [
            'kms:Decrypt',
            'kms:DescribeKey',
            'kms:Encrypt',
            'kms:GenerateDataKey',
            'kms:GenerateDataKeyWithoutPlaintext',
            'kms:ReEncryptFrom',
            'kms:ReEncryptTo',
          ];
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: service === 's3' ? actions.filter((a) => !a.startsWith('kms:ReEncrypt')) : actions,
        resources: [this.data.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `${service}.${stack.region}.${stack.urlSuffix}` },
          ...(encryptionContext
            ? {
                // The bucket ARN (bucket keys), or an object ARN for an object written before they were on.
                StringLike: {
                  'kms:EncryptionContext:aws:s3:arn': [
                    encryptionContext.s3BucketArn,
                    `${encryptionContext.s3BucketArn}/*`,
                  ],
                },
              }
            : {}),
        },
      }),
    );
  }

  /**
   * Lets `grantee` publish to a topic encrypted with the messages key: `sns:Publish` on that topic, and the key only
   * through SNS (`kms:ViaService`), for the data key SNS asks for on each message.
   */
  grantPublishToEncryptedTopic(grantee: IGrantable, topicArn: string): void {
    const stack = Stack.of(this);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['sns:Publish'], resources: [topicArn] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.messages.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sns.${stack.region}.${stack.urlSuffix}` } },
      }),
    );
  }
}
