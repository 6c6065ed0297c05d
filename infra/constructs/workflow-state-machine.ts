import {
  Annotations,
  type CfnResource,
  type Duration,
  type RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import { Effect, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  type CfnStateMachine,
  type DefinitionBody,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { WorkflowLogLevel } from '../config.js';

/** Template metadata naming a state machine's workflow for the local runtime (`training`, `generation`). */
export const WORKFLOW_METADATA_KEY = 'avatar-pipeline:workflow';

/** The id of the warning synth gives while execution data is logged. */
export const EXECUTION_DATA_WARNING_ID = 'avatar-pipeline:workflow-execution-data-logged';

/** What log delivery to CloudWatch Logs needs from the role (the Step Functions guide); IAM takes only `*`. */
export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];
/** What X-Ray tracing of a state machine needs from its role; IAM takes only `*`. */
export const STATE_MACHINE_TRACING_ACTIONS = [
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
];

export interface WorkflowStateMachineProps {
  /** The workflow's name: in the state machine's and log group's names, and the metadata the local runtime reads. */
  readonly workflow: 'training' | 'generation' | 'webhooks' | 'erasure';
  /** The definition built by `state-machines/<workflow>/workflow.ts`. */
  readonly definitionBody: DefinitionBody;
  /** The state machine's comment: what the workflow does, in one sentence. */
  readonly comment: string;
  /** The execution timeout: no execution runs longer. */
  readonly timeout: Duration;
  /** The functions its Task states invoke (their `ARN:*` grant is acknowledged for cdk-nag, and nothing else). */
  readonly tasks: readonly IFunction[];
  /** What happens to the log group when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  /** Retention of the execution logs. */
  readonly logRetention: RetentionDays;
  /** The key the log group is encrypted with (the stack's logs key). */
  readonly logsKey: IKey;
  /** What the machine logs (context `workflowLogLevel`). */
  readonly logLevel: WorkflowLogLevel;
  /** Whether state inputs and outputs are logged too (context `workflowLogExecutionData`). */
  readonly includeExecutionData: boolean;
}

/**
 * A workflow of the pipeline as every one of them is deployed: Standard (exactly once), X-Ray tracing, and logs
 * into a log group encrypted with the logs key. By default only errors are logged, without execution data: state
 * inputs and outputs hold subject ids, photo keys, prompts, presigned links and the Train task token, none of which
 * belongs in CloudWatch for weeks. `workflowLogExecutionData=true` logs them for debugging, with a synth warning.
 *
 * Log delivery and tracing are configured on the resource and their actions (which IAM accepts on `*` only) are in
 * a policy of their own, `<Id>DeliveryPolicy`, acknowledged for those actions alone; the role's default policy holds
 * only the task functions and the bus, so a new `*` there fails the synth. The resources keep the ids
 * `StateMachineLogs` and `StateMachine` in the calling construct.
 */
export function createWorkflowStateMachine(
  scope: Construct,
  props: WorkflowStateMachineProps,
): { stateMachine: StateMachine; logs: LogGroup } {
  const stack = Stack.of(scope);
  const logs = new LogGroup(scope, 'StateMachineLogs', {
    // The /aws/vendedlogs/ prefix keeps the log group resource policy short when several machines log.
    logGroupName: `/aws/vendedlogs/states/${stack.stackName}-${props.workflow}`,
    retention: props.logRetention,
    encryptionKey: props.logsKey,
    removalPolicy: props.removalPolicy,
  });
  const stateMachine = new StateMachine(scope, 'StateMachine', {
    stateMachineName: `${stack.stackName}-${props.workflow}`,
    stateMachineType: StateMachineType.STANDARD,
    definitionBody: props.definitionBody,
    comment: props.comment,
    timeout: props.timeout,
  });
  const cfn = stateMachine.node.defaultChild as CfnStateMachine;
  cfn.tracingConfiguration = { enabled: true };
  cfn.loggingConfiguration = {
    level: props.logLevel,
    includeExecutionData: props.includeExecutionData,
    destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: logs.logGroupArn } }],
  };
  // The local runtime finds this workflow in the synthesized template by this entry.
  (cfn as CfnResource).addMetadata(WORKFLOW_METADATA_KEY, props.workflow);

  const delivery = new Policy(scope, 'StateMachineDeliveryPolicy', {
    statements: [
      new PolicyStatement({ effect: Effect.ALLOW, actions: LOG_DELIVERY_ACTIONS, resources: ['*'] }),
      new PolicyStatement({ effect: Effect.ALLOW, actions: STATE_MACHINE_TRACING_ACTIONS, resources: ['*'] }),
    ],
  });
  delivery.attachToRole(stateMachine.role);
  // Step Functions checks at creation that the role may deliver logs.
  cfn.node.addDependency(delivery);
  Validations.of(delivery).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Log delivery (logs:CreateLogDelivery & co.) and X-Ray (xray:PutTraceSegments & co.) do not support resource-level permissions; this policy holds nothing else.',
  });
  if (props.logLevel !== 'ALL') {
    Validations.of(stateMachine).acknowledge({
      id: 'AwsSolutions-SF1',
      reason: `Logs at level ${props.logLevel} on purpose (context workflowLogLevel): every state transition of ALL would put subject ids, photo keys and prompts in CloudWatch; execution history and X-Ray traces show the transitions.`,
    });
  }
  if (props.includeExecutionData) {
    Annotations.of(stateMachine).addWarningV2(
      EXECUTION_DATA_WARNING_ID,
      `The ${props.workflow} state machine logs execution data (workflowLogExecutionData=true): subject ids, photo keys, prompts, presigned links and task tokens go to ${logs.node.path} for ${props.logRetention} days. For debugging only.`,
    );
  }

  const defaultPolicy = stateMachine.role.node.findChild('DefaultPolicy');
  for (const task of props.tasks) {
    Validations.of(defaultPolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(task.node.defaultChild as never)}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the function and its versions/aliases (ARN:*), as the Step Functions Lambda integration grants; no other function.',
    });
  }
  return { stateMachine, logs };
}
