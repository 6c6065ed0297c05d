import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../events/pipeline-events.js';
import { TASKS } from '../../functions/task-registry.js';
import { buildWebhooksWorkflow } from '../../state-machines/webhooks/workflow.js';
import type { PipelineConfig } from '../config.js';
import { deadLetterQueue } from './dead-letter-queue.js';
import type { Keys } from './keys.js';
import { pipelineFunctions } from './pipeline-function.js';
import { createWorkflowStateMachine } from './workflow-state-machine.js';

export interface WebhooksProps {
  /** The pipeline's settings: allowed ports, loopback receivers (local only), concurrency, retention. */
  readonly config: PipelineConfig;
  /** The pipeline's own bus: every event published on it with our source starts a webhooks execution. */
  readonly bus: IEventBus;
  /** The subject ledger (a subject's `webhook.url` is in its recorded subject.json). */
  readonly ledger: ITable;
  /** The pipeline's keys: data (the webhooks table), logs (log groups), messages (the queues). */
  readonly keys: Keys;
}

/**
 * Signed webhooks to client apps (Standard Webhooks): the webhooks table (endpoints, secrets, attempts; per
 * tenant, encrypted with the data key), PlanWebhookDeliveries and DeliverWebhook, the webhooks state machine (one
 * Standard execution per event, a Map iteration per destination waiting out the retry schedule in Wait states),
 * the rule that starts it for every event with our source, and the dead-letter queues: exhausted messages
 * (`DeadLetters`, redrive in functions/webhooks/README.md) and events the rule could not start an execution for.
 */
export class Webhooks extends Construct {
  readonly table: Table;
  readonly planWebhookDeliveries: NodejsFunction;
  readonly deliverWebhook: NodejsFunction;
  readonly stateMachine: StateMachine;
  readonly stateMachineLogs: LogGroup;
  /** Messages whose schedule is spent or whose endpoint was disabled: `{"redrive": [delivery]}` each. */
  readonly deadLetters: Queue;
  /** Events the rule could not start an execution for, after EventBridge's retries. */
  readonly ruleDeadLetters: Queue;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    const { config, bus, ledger, keys } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = config.logRetentionDays as RetentionDays;
    const fn = pipelineFunctions(this, { logRetention, removalPolicy, logsKey: keys.logs });

    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: keys.data,
      timeToLiveAttribute: 'expiresAt',
      removalPolicy,
    });

    const urlPolicy = {
      WEBHOOK_ALLOWED_PORTS: config.webhookAllowedPorts,
      WEBHOOK_LOOPBACK_RECEIVERS: String(config.webhookLoopbackReceivers),
    };
    this.planWebhookDeliveries = fn(
      'PlanWebhookDeliveries',
      TASKS.planWebhookDeliveries,
      "Finds who receives a pipeline event: the tenant's endpoints and the subject's webhook.url",
      { WEBHOOKS_TABLE: this.table.tableName, LEDGER_TABLE: ledger.tableName, ...urlPolicy },
    );
    this.table.grant(this.planWebhookDeliveries, 'dynamodb:Query');
    // GetItem on the ledger itself: Table.grant would add its index ARNs, which GetItem never needs.
    this.planWebhookDeliveries.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:GetItem'],
        resources: [ledger.tableArn],
      }),
    );
    keys.grantDataKey(this.planWebhookDeliveries, 'dynamodb', 'read');

    this.deliverWebhook = fn(
      'DeliverWebhook',
      TASKS.deliverWebhook,
      'Signs and POSTs one webhook message to one destination, records the attempt, plans the retry',
      { WEBHOOKS_TABLE: this.table.tableName, ...urlPolicy },
      // A request gets 15 s; the rest is signing, the attempt record and the endpoint's state.
      { timeout: Duration.seconds(30) },
    );
    this.table.grant(this.deliverWebhook, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    keys.grantDataKey(this.deliverWebhook, 'dynamodb', 'write');

    this.deadLetters = deadLetterQueue(
      this,
      'DeadLetters',
      keys,
      'the webhook messages whose retries are spent',
    );
    this.ruleDeadLetters = deadLetterQueue(this, 'RuleDeadLetters', keys, 'the webhooks rule');

    const workflow = buildWebhooksWorkflow(this, {
      planWebhookDeliveries: this.planWebhookDeliveries,
      deliverWebhook: this.deliverWebhook,
      bus,
      deadLetterQueue: this.deadLetters,
      destinationConcurrency: config.webhookDestinationConcurrency,
    });
    ({ stateMachine: this.stateMachine, logs: this.stateMachineLogs } = createWorkflowStateMachine(this, {
      workflow: 'webhooks',
      definitionBody: workflow.definitionBody,
      comment:
        'Delivers one pipeline event as signed Standard Webhooks to every destination, retrying on the Standard Webhooks schedule',
      // The schedule is ~76 h; Retry-After and jitter can stretch it.
      timeout: Duration.days(5),
      tasks: [this.planWebhookDeliveries, this.deliverWebhook],
      removalPolicy,
      logRetention,
      logsKey: keys.logs,
      logLevel: config.workflowLogLevel,
      includeExecutionData: config.workflowLogExecutionData,
    }));
    Validations.of(this.stateMachine.role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'Queue.grantSendMessages on the encrypted webhooks dead-letter queue: GenerateDataKey and GenerateDataKeyWithoutPlaintext on the messages key only.',
    });

    this.rule = new Rule(this, 'DeliverPipelineEventsRule', {
      eventBus: bus,
      description: 'Every event the pipeline publishes, delivered as signed webhooks to its tenant',
      eventPattern: { source: [EVENT_SOURCE] },
      targets: [
        new SfnStateMachine(this.stateMachine, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
          deadLetterQueue: this.ruleDeadLetters,
        }),
      ],
    });
  }
}
