import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type CfnTable, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SUBJECTS_PREFIX, TENANTS_PREFIX } from '../../functions/platform/bucket-layout.js';
import { TASKS } from '../../functions/task-registry.js';
import type { PipelineConfig } from '../config.js';
import { deadLetterQueue } from './dead-letter-queue.js';
import type { Keys } from './keys.js';
import type { PhotoStore } from './photo-store.js';
import { PipelineFunction } from './pipeline-function.js';

/** The DynamoDB actions of functions/ingest/subject-ledger.ts; nothing scans, deletes or batch-writes. */
export const LEDGER_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
];

/** Name of the ledger's index of open subjects whose execution is not confirmed started (the sweep's work list). */
export const OPEN_SUBJECTS_INDEX = 'open-subjects';

export interface IngestProps {
  /** The pipeline's settings: photo limits, sealing periods, retention, log retention. */
  readonly config: PipelineConfig;
  /** The ingest bucket, whose `Object Created` events under `subjects/` the ledger records. */
  readonly photos: PhotoStore;
  /** The pipeline's keys: the ledger is encrypted with the data key, the dead-letter queue with the messages key. */
  readonly keys: Keys;
}

/**
 * From objects dropped in the bucket to a running training execution: the subject ledger, RecordPhoto (one call
 * per Object Created event: records the object, starts the execution of the subject's current generation),
 * SettleImageSet (the first state of that execution: waits until the folder drop is over, then seals the set) and
 * StartWaitingSubjects (every minute, starts what a failed start or a finished training left waiting). Starting an
 * execution twice is a no-op: its name is derived from the subject's generation.
 *
 * Built in two steps, because the training workflow runs SettleImageSet and reads the ledger while the ingest
 * functions start that workflow: the constructor makes the ledger and SettleImageSet, `startTrainingWith` the rest.
 */
export class Ingest extends Construct {
  readonly ledger: Table;
  readonly settleImageSet: NodejsFunction;
  readonly photoEventsDeadLetters: Queue;
  private started?: { recordPhoto: NodejsFunction; startWaitingSubjects: NodejsFunction };

  constructor(
    scope: Construct,
    id: string,
    private readonly props: IngestProps,
  ) {
    super(scope, id);
    const { config, keys } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.ledger = new Table(this, 'Ledger', {
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: keys.data,
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

    this.settleImageSet = new PipelineFunction(this, 'SettleImageSet', {
      task: TASKS.settleImageSet,
      description: 'Waits until a subject folder drop is over, then seals its image set',
      environment: {
        LEDGER_TABLE: this.ledger.tableName,
        MIN_PHOTOS: String(config.minPhotos),
        SETTLE_PERIOD_SECONDS: String(config.settlePeriodSeconds),
        QUIET_PERIOD_SECONDS: String(config.quietPeriodSeconds),
        INCOMPLETE_TIMEOUT_SECONDS: String(config.incompleteTimeoutSeconds),
      },
      logRetention: config.logRetentionDays as RetentionDays,
      removalPolicy,
      logsKey: keys.logs,
    }).function;
    keys.grantDataKey(this.settleImageSet, 'dynamodb', 'write');
    // The table itself (the subject's rows), not its index: Table.grant would add the index ARNs too.
    this.settleImageSet.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        resources: [this.ledger.tableArn],
      }),
    );

    // Events EventBridge could not deliver after its retries: kept 14 days for a re-drive, never dropped.
    this.photoEventsDeadLetters = deadLetterQueue(
      this,
      'PhotoEventsDeadLetters',
      keys,
      'the photo events rule',
    );
  }

  get recordPhoto(): NodejsFunction {
    return this.startedParts().recordPhoto;
  }

  get startWaitingSubjects(): NodejsFunction {
    return this.startedParts().startWaitingSubjects;
  }

  /** The functions that start the training workflow, and the rules that call them. Call once. */
  startTrainingWith(trainingStateMachine: IStateMachine): void {
    if (this.started) throw new Error('Ingest.startTrainingWith was called twice');
    const { config, photos, keys } = this.props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = config.logRetentionDays as RetentionDays;
    const environment = {
      LEDGER_TABLE: this.ledger.tableName,
      STATE_MACHINE_ARN: trainingStateMachine.stateMachineArn,
      PHOTO_BUCKET: photos.bucket.bucketName,
      MIN_PHOTOS: String(config.minPhotos),
      MAX_PHOTOS: String(config.maxPhotos),
      SETTLE_PERIOD_SECONDS: String(config.settlePeriodSeconds),
      QUIET_PERIOD_SECONDS: String(config.quietPeriodSeconds),
      INCOMPLETE_TIMEOUT_SECONDS: String(config.incompleteTimeoutSeconds),
      MAX_IMAGES_PER_REQUEST: String(config.maxImagesPerRequest),
      WEBHOOK_ALLOWED_PORTS: config.webhookAllowedPorts,
      WEBHOOK_LOOPBACK_RECEIVERS: String(config.webhookLoopbackReceivers),
      PHOTO_RETENTION_DAYS: String(config.photoRetentionDays),
    };

    const recordPhoto = new PipelineFunction(this, 'RecordPhoto', {
      task: TASKS.recordPhoto,
      description:
        'Records each object dropped under subjects/ in the ledger; starts the subject execution that settles the set',
      environment,
      logRetention,
      removalPolicy,
      logsKey: keys.logs,
    }).function;

    const startWaitingSubjects = new PipelineFunction(this, 'StartWaitingSubjects', {
      task: TASKS.startWaitingSubjects,
      description:
        'Starts the executions of subjects whose start failed or whose training ended with new photos waiting',
      environment,
      logRetention,
      removalPolicy,
      logsKey: keys.logs,
      timeout: Duration.seconds(55),
    }).function;
    this.started = { recordPhoto, startWaitingSubjects };

    for (const fn of [recordPhoto, startWaitingSubjects]) {
      // Exactly what SubjectLedger does: item reads and conditional writes, and queries (table and index).
      this.ledger.grant(fn, ...LEDGER_ACTIONS);
      keys.grantDataKey(fn, 'dynamodb', 'write');
      photos.grantReadSubjects(fn);
      trainingStateMachine.grantStartExecution(fn);
      const ledgerLogicalId = Stack.of(this).getLogicalId(this.ledger.node.defaultChild as CfnTable);
      Validations.of(fn.role?.node.findChild('DefaultPolicy') ?? fn).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${ledgerLogicalId}.Arn>/index/*]`,
        reason: `Queries the ledger's own ${OPEN_SUBJECTS_INDEX} index (table/index/*); no other table.`,
      });
    }

    // S3 sends Object Created to the *default* bus (eventBridgeEnabled on the bucket).
    new Rule(this, 'PhotoCreatedRule', {
      eventBus: EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
      description:
        'Objects dropped under subjects/ (the default tenant) or tenants/<id>/subjects/ in the ingest bucket',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [photos.bucket.bucketName] },
          object: { key: [{ prefix: SUBJECTS_PREFIX }, { prefix: TENANTS_PREFIX }] },
        },
      },
      targets: [
        new LambdaFunction(recordPhoto, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: this.photoEventsDeadLetters,
        }),
      ],
    });

    new Rule(this, 'StartWaitingSubjectsSchedule', {
      description: 'Starts subjects whose execution is waiting to start',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(startWaitingSubjects, { retryAttempts: 2 })],
    });
  }

  private startedParts() {
    if (!this.started) throw new Error('Ingest.startTrainingWith has not been called yet');
    return this.started;
  }
}
