/**
 * Issue 11 in the synthesized template: the erasure workflow and its rule, the erasing roles (every version under
 * every prefix, nothing read), the callback and DeployModel able to check the plan, digest and tombstone, and no
 * link signer left in the generation workflow.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { ERASED_PREFIXES } from '../../../infra/constructs/erasure.js';
import { WORKFLOW_METADATA_KEY } from '../../../infra/constructs/workflow-state-machine.js';
import { ErasureStates } from '../../../state-machines/erasure/contract.js';
import {
  ACCOUNT,
  allows,
  propertiesOf,
  REGION,
  type Resources,
  statementsOfRole,
  synthesizePipeline,
} from './synthesized-pipeline.js';

const { stack, template, resources } = synthesizePipeline();
const id = (construct: IConstruct) =>
  stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
const bucket = id(stack.photos.bucket);
const roleOf = (res: Resources, fn: IConstruct) =>
  (propertiesOf(res, id(fn)).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
const statements = (fn: IConstruct) => statementsOfRole(resources, roleOf(resources, fn));

describe('erasure workflow', () => {
  test('is a Standard state machine the local runtime finds, with every state of the contract', () => {
    // Act
    const machine = resources[id(stack.erasure.stateMachine)];
    const definition = JSON.stringify(machine?.Properties?.DefinitionString);
    // Assess
    expect(machine?.Metadata?.[WORKFLOW_METADATA_KEY]).toBe('erasure');
    expect(machine?.Properties?.StateMachineType ?? 'STANDARD').toBe('STANDARD');
    for (const state of Object.values(ErasureStates)) expect(definition).toContain(`\\"${state}\\"`);
  });

  test("starts on a partner's Subject Erasure Requested only (any source but ours), with a dead-letter queue", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: [{ 'anything-but': ['avatar-pipeline'] }],
        'detail-type': ['Subject Erasure Requested'],
      },
      Targets: [
        {
          Arn: { Ref: id(stack.erasure.stateMachine) },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(stack.erasure.erasureRequestedDeadLetters), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
          Id: 'Target0',
          RoleArn: Match.anyValue(),
        },
      ],
    });
  });

  test.each(ERASED_PREFIXES)(
    'EraseSubjectData deletes every version under %s and reads no object',
    (prefix) => {
      // Act
      const own = statements(stack.erasure.eraseSubjectData);
      // Assess
      expect(allows(own, 's3:DeleteObjectVersion', `arn:${bucket}/${prefix}ana/x`)).toBe(true);
      expect(allows(own, 's3:DeleteObject', `arn:${bucket}/${prefix}ana/x`)).toBe(true);
      expect(allows(own, 's3:ListBucketVersions', `arn:${bucket}`)).toBe(true);
      expect(allows(own, 's3:GetObject', `arn:${bucket}/${prefix}ana/x`)).toBe(false);
      expect(
        own.some(
          (s) =>
            JSON.stringify(s.Action).includes('s3:ListBucketVersions') &&
            JSON.stringify(s.Condition) === JSON.stringify({ StringLike: { 's3:prefix': [`${prefix}*`] } }),
        ),
      ).toBe(true);
    },
  );

  test('VerifyErasure only lists; StopSubjectExecutions stops only executions of the two workflows', () => {
    // Act
    const verify = statements(stack.erasure.verifyErasure);
    const stop = statements(stack.erasure.stopSubjectExecutions);
    // Assess
    expect(allows(verify, 's3:DeleteObjectVersion', `arn:${bucket}/subjects/ana/x`)).toBe(false);
    expect(allows(verify, 'dynamodb:DeleteItem', `arn:${id(stack.ingest.ledger)}`)).toBe(false);
    for (const workflow of ['training', 'generation']) {
      const execution = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${stack.stackName}-${workflow}:ana-0a1b2c3d-g1`;
      expect(allows(stop, 'states:StopExecution', execution)).toBe(true);
    }
    expect(
      allows(
        stop,
        'states:StopExecution',
        `arn:aws:states:${REGION}:${ACCOUNT}:execution:${stack.stackName}-erasure:x`,
      ),
    ).toBe(false);
  });

  test('the training callback and DeployModel can read the plan and the tombstone; CompileAvatars signs nothing', () => {
    // Act
    const callback = statements(stack.training.trainingCallback);
    const deploy = statements(stack.training.deployModel);
    const compile = statements(stack.generation.compileAvatars);
    const stateTable = `arn:${id(stack.training.stateTable)}`;
    // Assess
    expect(allows(callback, 'dynamodb:GetItem', stateTable)).toBe(true);
    expect(allows(deploy, 'dynamodb:GetItem', stateTable)).toBe(true);
    expect(
      allows(callback, 's3:DeleteObjectVersion', `arn:${bucket}/adapters/default/ana/v/model.tar.gz`),
    ).toBe(true);
    expect(compile.some((s) => JSON.stringify(s.Action).includes('s3:'))).toBe(false);
    const env = (fn: IConstruct) =>
      (propertiesOf(resources, id(fn)).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env(stack.training.trainingCallback)).toMatchObject({
      TRAINING_SUCCESS_TOPIC_ARN: { Ref: id(stack.trainingHost.successTopic) },
      TRAINING_ERROR_TOPIC_ARN: { Ref: id(stack.trainingHost.errorTopic) },
    });
    expect(Object.keys(env(stack.generation.compileAvatars))).not.toContain('LINK_EXPIRY_SECONDS');
  });
});
