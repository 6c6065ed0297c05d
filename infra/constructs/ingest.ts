import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type CfnTable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SUBJECTS_PREFIX } from '../../functions/platform/bucket-layout.js';
import { TASKS } from '../../functions/task-registry.js';
import type { PipelineConfig } from '../config.js';
import type { PhotoStore } from './photo-store.js';
import { PipelineFunction } from './pipeline-function.js';

/** The DynamoDB actions of functions/ingest/subject-ledger.ts; nothing scans, deletes or batch-writes. */
export const LEDGER_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
];

/** Name of the ledger's index of subjects that are not sealed yet (the sealer's work list). */
export const OPEN_SUBJECTS_INDEX = 'open-subjects';

export interface IngestProps {
  /** The pipeline's settings: photo limits, sealing periods, retention, log retention. */
  readonly config: PipelineConfig;
  /** The ingest bucket, whose `Object Created` events under `subjects/` the ledger records. */
  readonly photos: PhotoStore;
  /** The workflow a sealed subject starts (StartExecution, one execution name per image set). */
  readonly trainingStateMachine: IStateMachine;
}

/**
 * From photos dropped in the bucket to a started training: the subject ledger, RecordPhoto (one call per
 * Object Created event) and SealQuietSubjects (every minute, seals folders that went quiet). Either may start
 * the training execution; its name is derived from the image set, so a second start is a no-op.
 */
export class Ingest extends Construct {
  readonly ledger: Table;
  readonly recordPhoto: NodejsFunction;
  readonly sealQuietSubjects: NodejsFunction;
  readonly photoEventsDeadLetters: Queue;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    const { config, photos } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = config.logRetentionDays as RetentionDays;

    this.ledger = new Table(this, 'Ledger', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Sealed subjects' photo rows expire; the subject row keeps the history.
      timeToLiveAttribute: 'expiresAt',
      removalPolicy,
    });
    this.ledger.addGlobalSecondaryIndex({
      indexName: OPEN_SUBJECTS_INDEX,
      partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
    });

    const environment = {
      LEDGER_TABLE: this.ledger.tableName,
      STATE_MACHINE_ARN: props.trainingStateMachine.stateMachineArn,
      PHOTO_BUCKET: photos.bucket.bucketName,
      MIN_PHOTOS: String(config.minPhotos),
      QUIET_PERIOD_SECONDS: String(config.quietPeriodSeconds),
      INCOMPLETE_TIMEOUT_SECONDS: String(config.incompleteTimeoutSeconds),
    };

    this.recordPhoto = new PipelineFunction(this, 'RecordPhoto', {
      task: TASKS.recordPhoto,
      description:
        'Records each photo dropped under subjects/ in the ledger; seals the subject when complete',
      environment,
      logRetention,
      removalPolicy,
    }).function;

    this.sealQuietSubjects = new PipelineFunction(this, 'SealQuietSubjects', {
      task: TASKS.sealQuietSubjects,
      description: 'Seals subjects whose folder went quiet (or never completed) and starts their training',
      environment,
      logRetention,
      removalPolicy,
      timeout: Duration.seconds(55),
    }).function;

    for (const fn of [this.recordPhoto, this.sealQuietSubjects]) {
      // Exactly what SubjectLedger does: item reads and conditional writes, and queries (table and index).
      this.ledger.grant(fn, ...LEDGER_ACTIONS);
      photos.grantReadSubjects(fn);
      props.trainingStateMachine.grantStartExecution(fn);
      const ledgerLogicalId = Stack.of(this).getLogicalId(this.ledger.node.defaultChild as CfnTable);
      Validations.of(fn.role?.node.findChild('DefaultPolicy') ?? fn).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${ledgerLogicalId}.Arn>/index/*]`,
        reason: `Queries the ledger's own ${OPEN_SUBJECTS_INDEX} index (table/index/*); no other table.`,
      });
    }

    // Events EventBridge could not deliver after its retries: kept 14 days for a re-drive, never dropped.
    this.photoEventsDeadLetters = new Queue(this, 'PhotoEventsDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.photoEventsDeadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the photo events rule; a DLQ of a DLQ adds nothing.',
    });

    // S3 sends Object Created to the *default* bus (eventBridgeEnabled on the bucket).
    new Rule(this, 'PhotoCreatedRule', {
      eventBus: EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
      description: 'Photos dropped under subjects/ in the ingest bucket',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [photos.bucket.bucketName] },
          object: { key: [{ prefix: SUBJECTS_PREFIX }] },
        },
      },
      targets: [
        new LambdaFunction(this.recordPhoto, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: this.photoEventsDeadLetters,
        }),
      ],
    });

    new Rule(this, 'SealQuietSubjectsSchedule', {
      description: 'Looks for subjects whose folder went quiet',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.sealQuietSubjects, { retryAttempts: 2 })],
    });
  }
}
