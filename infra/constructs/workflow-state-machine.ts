import { type CfnResource, type Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/** Template metadata naming a state machine's workflow for the local runtime (`training`, `generation`). */
export const WORKFLOW_METADATA_KEY = 'avatar-pipeline:workflow';

export interface WorkflowStateMachineProps {
  /** The workflow's name: in the state machine's and log group's names, and the metadata the local runtime reads. */
  readonly workflow: 'training' | 'generation';
  /** The definition built by `state-machines/<workflow>/workflow.ts`. */
  readonly definitionBody: DefinitionBody;
  /** The state machine's comment: what the workflow does, in one sentence. */
  readonly comment: string;
  /** The execution timeout: no execution runs longer. */
  readonly timeout: Duration;
  /** The functions its Task states invoke (their `ARN:*` grant is acknowledged for cdk-nag, and nothing else). */
  readonly tasks: readonly IFunction[];
  /** What happens to the log group and its key when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  /** Retention of the execution logs. */
  readonly logRetention: RetentionDays;
}

/**
 * A workflow of the pipeline as every one of them is deployed: Standard (exactly once), X-Ray tracing, logs at
 * level ALL with execution data into a log group encrypted with its own rotating key (execution data holds
 * subject ids and prompts), and the template metadata the local runtime finds it by. The resources keep the ids
 * `StateMachineLogsKey`, `StateMachineLogs` and `StateMachine` in the calling construct.
 */
export function createWorkflowStateMachine(
  scope: Construct,
  props: WorkflowStateMachineProps,
): { stateMachine: StateMachine; logs: LogGroup } {
  const stack = Stack.of(scope);
  const logsKey = new Key(scope, 'StateMachineLogsKey', {
    description: `Encrypts the ${props.workflow} state machine execution logs`,
    enableKeyRotation: true,
    removalPolicy: props.removalPolicy,
  });
  logsKey.grantEncryptDecrypt(new ServicePrincipal(`logs.${stack.region}.amazonaws.com`));
  const logs = new LogGroup(scope, 'StateMachineLogs', {
    // The /aws/vendedlogs/ prefix keeps the log group resource policy short when several machines log.
    logGroupName: `/aws/vendedlogs/states/${stack.stackName}-${props.workflow}`,
    retention: props.logRetention,
    encryptionKey: logsKey,
    removalPolicy: props.removalPolicy,
  });
  const stateMachine = new StateMachine(scope, 'StateMachine', {
    stateMachineName: `${stack.stackName}-${props.workflow}`,
    stateMachineType: StateMachineType.STANDARD,
    definitionBody: props.definitionBody,
    comment: props.comment,
    tracingEnabled: true,
    logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: true },
    timeout: props.timeout,
  });
  // The local runtime finds this workflow in the synthesized template by this entry.
  (stateMachine.node.defaultChild as CfnResource).addMetadata(WORKFLOW_METADATA_KEY, props.workflow);

  const defaultPolicy = stateMachine.role.node.findChild('DefaultPolicy');
  Validations.of(defaultPolicy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Log delivery (logs:CreateLogDelivery & co.) and X-Ray (xray:PutTraceSegments & co.) do not support resource-level permissions.',
  });
  for (const task of props.tasks) {
    Validations.of(defaultPolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(task.node.defaultChild as never)}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the function and its versions/aliases (ARN:*), as the Step Functions Lambda integration grants; no other function.',
    });
  }
  return { stateMachine, logs };
}
