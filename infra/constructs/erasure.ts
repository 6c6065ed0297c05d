import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Match, Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../events/pipeline-events.js';
import { ERASURE_REQUESTED } from '../../functions/erasure/begin-erasure.js';
import {
  ADAPTERS_PREFIX,
  ASYNC_INFERENCE_PREFIX,
  AVATARS_PREFIX,
  MODELS_PREFIX,
  QUARANTINE_PREFIX,
  SUBJECTS_PREFIX,
  TENANTS_PREFIX,
  TRAINING_PREFIX,
} from '../../functions/platform/bucket-layout.js';
import { TASKS } from '../../functions/task-registry.js';
import { buildErasureWorkflow } from '../../state-machines/erasure/workflow.js';
import type { PipelineConfig } from '../config.js';
import { deadLetterQueue } from './dead-letter-queue.js';
import type { Keys } from './keys.js';
import type { PhotoStore } from './photo-store.js';
import { pipelineFunctions } from './pipeline-function.js';
import { createWorkflowStateMachine } from './workflow-state-machine.js';

/** Every top-level prefix that holds objects of a subject (bucket-layout.ts): erasure deletes under each. */
export const ERASED_PREFIXES = [
  SUBJECTS_PREFIX,
  TENANTS_PREFIX,
  TRAINING_PREFIX,
  ASYNC_INFERENCE_PREFIX,
  ADAPTERS_PREFIX,
  MODELS_PREFIX,
  AVATARS_PREFIX,
  QUARANTINE_PREFIX,
] as const;

export interface ErasureProps {
  /** The pipeline's settings: retention of data and logs, workflow log level. */
  readonly config: PipelineConfig;
  /** The ingest bucket: every version under every prefix of a subject is deleted. */
  readonly photos: PhotoStore;
  /** The pipeline's own bus: Subject Erasure Requested starts the workflow, Subject Erased is published there. */
  readonly bus: IEventBus;
  /** The subject ledger (ingest's table). */
  readonly ledger: ITable;
  /** The model registry (hosting's table). */
  readonly registry: ITable;
  /** The training state table: queue, slots, callback tokens, and the erasure tombstones. */
  readonly trainingState: ITable;
  /** The webhooks table: the subject's delivery attempts are deleted. */
  readonly webhooks: ITable;
  /** The training workflow: the subject's running executions are stopped. */
  readonly trainingStateMachine: StateMachine;
  /** The generation workflow: the subject's running executions are stopped. */
  readonly generationStateMachine: StateMachine;
  /** The pipeline's keys: data (tables, bucket), logs (log groups), messages (dead-letter queue). */
  readonly keys: Keys;
}

/**
 * Erasure of a subject (issue 11): BeginErasure (tombstone), StopSubjectExecutions, EraseSubjectData (every version
 * of every object, every row), VerifyErasure (re-list, manifest), the erasure state machine that runs them
 * (state-machines/erasure/workflow.ts), and the bus rule that starts it on a partner's `Subject Erasure
 * Requested`. The HTTP API starts it with StartExecution (`requestSubjectErasure`): grant that with
 * `stateMachine.grantStartExecution`.
 */
export class Erasure extends Construct {
  readonly beginErasure: NodejsFunction;
  readonly stopSubjectExecutions: NodejsFunction;
  readonly eraseSubjectData: NodejsFunction;
  readonly verifyErasure: NodejsFunction;
  readonly stateMachine: StateMachine;
  readonly stateMachineLogs: LogGroup;
  /** Starts an erasure on `Subject Erasure Requested` from a partner's own source (any but ours). */
  readonly erasureRequestedRule: Rule;
  readonly erasureRequestedDeadLetters: Queue;

  constructor(scope: Construct, id: string, props: ErasureProps) {
    super(scope, id);
    const { config, photos, bus, ledger, registry, trainingState, webhooks, keys } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = config.logRetentionDays as RetentionDays;
    const fn = pipelineFunctions(this, { logRetention, removalPolicy, logsKey: keys.logs });
    const tables = {
      PHOTO_BUCKET: photos.bucket.bucketName,
      LEDGER_TABLE: ledger.tableName,
      MODEL_REGISTRY_TABLE: registry.tableName,
      TRAINING_STATE_TABLE: trainingState.tableName,
      WEBHOOKS_TABLE: webhooks.tableName,
    };

    this.beginErasure = fn(
      'BeginErasure',
      TASKS.beginErasure,
      'Decides whose subject is erased and records the tombstone that late training results check',
      { TRAINING_STATE_TABLE: trainingState.tableName },
    );
    this.allowTable(this.beginErasure, trainingState, ['dynamodb:PutItem']);
    keys.grantDataKey(this.beginErasure, 'dynamodb', 'write');

    this.stopSubjectExecutions = fn(
      'StopSubjectExecutions',
      TASKS.stopSubjectExecutions,
      "Stops the subject's running training and generation executions",
      {
        STATE_MACHINE_ARN: props.trainingStateMachine.stateMachineArn,
        GENERATION_STATE_MACHINE_ARN: props.generationStateMachine.stateMachineArn,
      },
      { timeout: Duration.minutes(5) },
    );
    const stack = Stack.of(this);
    for (const [machine, workflow] of [
      [props.trainingStateMachine, 'training'],
      [props.generationStateMachine, 'generation'],
    ] as const) {
      machine.grant(this.stopSubjectExecutions, 'states:ListExecutions');
      // By the name createWorkflowStateMachine gives the machine, so the ARN (and its acknowledgement) is literal.
      const executions = `${stack.stackName}-${workflow}:*`;
      this.stopSubjectExecutions.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [
            stack.formatArn({
              service: 'states',
              resource: 'execution',
              resourceName: executions,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
      const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
      const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
      const policy = this.stopSubjectExecutions.role?.node.tryFindChild('DefaultPolicy');
      if (policy) {
        Validations.of(policy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:${executions}]`,
          reason: `DescribeExecution and StopExecution of the ${workflow} state machine's executions only: an execution ARN ends in its name, unknown until it runs.`,
        });
      }
    }

    this.eraseSubjectData = fn(
      'EraseSubjectData',
      TASKS.eraseSubjectData,
      'Deletes every version of every object of the subject, then every row of it in every table',
      tables,
      { timeout: Duration.minutes(10) },
    );
    this.verifyErasure = fn(
      'VerifyErasure',
      TASKS.verifyErasure,
      'Lists again what the erasure deleted and builds the Subject Erased manifest',
      tables,
      { timeout: Duration.minutes(5) },
    );
    for (const prefix of ERASED_PREFIXES) {
      photos.grantEraseVersions(this.eraseSubjectData, prefix);
      photos.grantListVersions(this.verifyErasure, prefix);
    }
    this.allowTable(this.eraseSubjectData, ledger, ['dynamodb:Query', 'dynamodb:DeleteItem']);
    this.allowTable(this.eraseSubjectData, registry, ['dynamodb:Query', 'dynamodb:DeleteItem']);
    this.allowTable(this.eraseSubjectData, trainingState, [
      'dynamodb:Scan',
      'dynamodb:DeleteItem',
      'dynamodb:UpdateItem',
    ]);
    this.allowTable(this.eraseSubjectData, webhooks, ['dynamodb:Query', 'dynamodb:DeleteItem']);
    keys.grantDataKey(this.eraseSubjectData, 'dynamodb', 'write');
    this.allowTable(this.verifyErasure, ledger, ['dynamodb:Query']);
    this.allowTable(this.verifyErasure, registry, ['dynamodb:Query']);
    this.allowTable(this.verifyErasure, trainingState, ['dynamodb:Scan']);
    this.allowTable(this.verifyErasure, webhooks, ['dynamodb:Query']);
    keys.grantDataKey(this.verifyErasure, 'dynamodb', 'read');

    const workflow = buildErasureWorkflow(this, {
      beginErasure: this.beginErasure,
      stopSubjectExecutions: this.stopSubjectExecutions,
      eraseSubjectData: this.eraseSubjectData,
      verifyErasure: this.verifyErasure,
      bus,
    });
    ({ stateMachine: this.stateMachine, logs: this.stateMachineLogs } = createWorkflowStateMachine(this, {
      workflow: 'erasure',
      definitionBody: workflow.definitionBody,
      comment:
        'Erases a subject: stops its executions, deletes every version of its objects and every row, verifies, publishes Subject Erased',
      // A few passes of delete and verify; an erasure must run exactly once per request (Standard).
      timeout: Duration.hours(1),
      tasks: [this.beginErasure, this.stopSubjectExecutions, this.eraseSubjectData, this.verifyErasure],
      removalPolicy,
      logRetention,
      logsKey: keys.logs,
      logLevel: config.workflowLogLevel,
      includeExecutionData: config.workflowLogExecutionData,
    }));

    // Events EventBridge could not deliver after its retries: kept 14 days for a re-drive, never dropped.
    this.erasureRequestedDeadLetters = deadLetterQueue(
      this,
      'ErasureRequestedDeadLetters',
      keys,
      `the ${ERASURE_REQUESTED} rule`,
    );
    // A partner's own source, anything but ours, as for generation requests; BeginErasure decides the tenant from
    // the event's account, never from the event.
    this.erasureRequestedRule = new Rule(this, 'ErasureRequestedRule', {
      eventBus: bus,
      description: "A partner's request to erase a subject (the API starts the workflow directly)",
      eventPattern: { source: Match.anythingBut(EVENT_SOURCE), detailType: [ERASURE_REQUESTED] },
      targets: [
        new SfnStateMachine(this.stateMachine, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: this.erasureRequestedDeadLetters,
        }),
      ],
    });
  }

  /** Exactly these actions on the table itself (Table.grant would add its index ARNs, which they never need). */
  private allowTable(fn: NodejsFunction, table: ITable, actions: string[]): void {
    fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions, resources: [table.tableArn] }));
  }
}
