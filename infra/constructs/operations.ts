import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../events/pipeline-events.js';
import { COUNTED_EVENTS } from '../../functions/operations/outcome-counts.js';
import { EnvironmentVariables as Env } from '../../functions/platform/environment-variables.js';
import { TASKS } from '../../functions/task-registry.js';
import type { PipelineConfig } from '../config.js';
import { deadLetterQueue } from './dead-letter-queue.js';
import type { Keys } from './keys.js';
import { PipelineFunction } from './pipeline-function.js';

export interface OperationsProps {
  /** The pipeline's settings: retention of data and logs. */
  readonly config: PipelineConfig;
  /** The stack's keys: the table on the data key, the dead-letter queue on the messages key. */
  readonly keys: Keys;
  /** The pipeline's own bus: every outcome event it publishes is counted. */
  readonly bus: IEventBus;
  /** The operators' topic (the notification topic): where the daily summary goes. */
  readonly topic: ITopic;
  /** The dashboard the summary points to (`<stack>-operations`). */
  readonly dashboardName: string;
  /**
   * When the daily summary of the day before is sent, in UTC.
   * @default 00:15 UTC every day
   */
  readonly summarySchedule?: Schedule;
}

/**
 * What operators hear besides alarms: every outcome event on the bus counted once into its UTC day (CountOutcome,
 * which also emits the counts as the dashboard's metrics) and, each morning, yesterday's counts as one message to
 * the operators' topic (SendDailySummary): counts only, never an id, a prompt or a link.
 *
 * The table holds one row per event (`DAY#<day>` / `EVENT#<id>`: its counts, no subject id) for 35 days, so erasure
 * has nothing to delete here. Events the rule cannot deliver go to a dead-letter queue (alarmed by Observability).
 */
export class Operations extends Construct {
  readonly table: Table;
  readonly countOutcome: IFunction;
  readonly sendDailySummary: IFunction;
  readonly countingDeadLetters: Queue;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { config, keys } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = config.logRetentionDays as RetentionDays;

    this.table = new Table(this, 'DailyOutcomes', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: keys.data,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy,
    });

    this.countOutcome = new PipelineFunction(this, 'CountOutcome', {
      task: TASKS.countOutcome,
      description: 'Counts each outcome event of the pipeline once into its UTC day, and emits it as metrics',
      environment: { [Env.operationsTable]: this.table.tableName },
      logRetention,
      removalPolicy,
      logsKey: keys.logs,
      memorySize: 256,
      timeout: Duration.seconds(10),
    }).function;
    this.table.grant(this.countOutcome, 'dynamodb:PutItem');
    keys.grantDataKey(this.countOutcome, 'dynamodb', 'write');

    this.sendDailySummary = new PipelineFunction(this, 'SendDailySummary', {
      task: TASKS.sendDailySummary,
      description: "Sends yesterday's counts (no ids, prompts or links) to the operators' topic",
      environment: {
        [Env.operationsTable]: this.table.tableName,
        [Env.operatorTopicArn]: props.topic.topicArn,
        [Env.operationsDashboard]: props.dashboardName,
      },
      logRetention,
      removalPolicy,
      logsKey: keys.logs,
      memorySize: 256,
      timeout: Duration.minutes(2),
    }).function;
    this.table.grant(this.sendDailySummary, 'dynamodb:Query');
    keys.grantDataKey(this.sendDailySummary, 'dynamodb', 'read');
    keys.grantPublishToEncryptedTopic(this.sendDailySummary, props.topic.topicArn);

    this.countingDeadLetters = deadLetterQueue(
      this,
      'CountingDeadLetters',
      keys,
      'the outcome-counting rule',
    );
    new Rule(this, 'CountOutcomesRule', {
      eventBus: props.bus,
      description:
        "Every outcome event the pipeline publishes, counted for the dashboard and the operators' summary",
      eventPattern: { source: [EVENT_SOURCE], detailType: Object.keys(COUNTED_EVENTS) },
      targets: [
        new LambdaFunction(this.countOutcome, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
          deadLetterQueue: this.countingDeadLetters,
        }),
      ],
    });
    new Rule(this, 'DailySummarySchedule', {
      description: "Sends yesterday's counts to the operators' topic",
      schedule: props.summarySchedule ?? Schedule.cron({ minute: '15', hour: '0' }),
      targets: [new LambdaFunction(this.sendDailySummary, { retryAttempts: 2 })],
    });
  }
}
