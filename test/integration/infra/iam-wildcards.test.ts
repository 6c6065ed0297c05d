/**
 * Issue 11, cdk-nag acknowledgements that cannot hide new wildcards: the actions that IAM accepts on `*` only
 * live in policies of their own, each acknowledged for itself; no statement of the template grants anything else on
 * `*`, and a new grant on `*` in a function's own policy fails cdk-nag.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { API_ROUTES } from '../../../functions/api/routes.js';
import { TASKS } from '../../../functions/task-registry.js';
import { TRACING_ACTIONS } from '../../../infra/constructs/pipeline-function.js';
import {
  SAGEMAKER_SERVICE_ACTIONS,
  VPC_ACCESS_ACTIONS,
} from '../../../infra/constructs/sagemaker-container.js';
import {
  LOG_DELIVERY_ACTIONS,
  STATE_MACHINE_TRACING_ACTIONS,
} from '../../../infra/constructs/workflow-state-machine.js';
import { createPipelineApp } from '../../../infra/pipeline-app.js';
import {
  type PolicyStatementJson,
  PREBUILT_IMAGES,
  propertiesOf,
  type Resources,
  statementsOfRole,
  synthesizePipeline,
  unacknowledgedNagFindings,
} from './synthesized-pipeline.js';

/** Every action any identity policy of the stack may allow on `*`, and why IAM leaves no narrower way. */
const ALLOWED_ON_ANY_RESOURCE: Record<string, string> = {
  ...Object.fromEntries(TRACING_ACTIONS.map((a) => [a, 'X-Ray takes no resource'])),
  ...Object.fromEntries(STATE_MACHINE_TRACING_ACTIONS.map((a) => [a, 'X-Ray takes no resource'])),
  ...Object.fromEntries(LOG_DELIVERY_ACTIONS.map((a) => [a, 'CloudWatch Logs delivery takes no resource'])),
  ...Object.fromEntries(SAGEMAKER_SERVICE_ACTIONS.map((a) => [a, 'ECR authorization, SageMaker metrics'])),
  ...Object.fromEntries(
    VPC_ACCESS_ACTIONS.map((a) => [a, 'SageMaker network interfaces (on * per its guide)']),
  ),
  'rekognition:DetectFaces': 'acts on image bytes',
  'rekognition:CompareFaces': 'acts on image bytes (the same-person check)',
  'rekognition:DetectModerationLabels': 'acts on image bytes',
  'comprehend:DetectToxicContent': 'acts on text',
  'comprehend:DetectDominantLanguage': 'acts on text',
};

/** Every statement of every identity policy: inline policies, managed policies, policies inside roles. */
function identityStatements(resources: Resources): { policy: string; statement: PolicyStatementJson }[] {
  return Object.entries(resources).flatMap(([id, r]) => {
    const documents =
      r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy'
        ? [r.Properties?.PolicyDocument]
        : r.Type === 'AWS::IAM::Role'
          ? ((r.Properties?.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map(
              (p) => p.PolicyDocument,
            )
          : [];
    return documents.flatMap((d) =>
      ((d as { Statement: PolicyStatementJson[] } | undefined)?.Statement ?? []).map((statement) => ({
        policy: id,
        statement,
      })),
    );
  });
}

const asList = (value: unknown) => (Array.isArray(value) ? value : [value]);

describe('actions on *', () => {
  test.each([
    ['the default stack', {}],
    ['a dev stack outside the isolated network', { retainData: false, isolatedNetwork: false }],
    [
      'prebuilt images, an s3:// base model, volume keys',
      {
        ...PREBUILT_IMAGES,
        baseModel: 's3://models-bucket/pipelines/sd21-base/',
        trainingInstanceType: 'ml.p3.2xlarge',
        servingInstanceType: 'ml.p3.2xlarge',
      },
    ],
  ])('%s allows on * only the allow-listed actions', (_name, context) => {
    // Prepare
    const { resources } = synthesizePipeline(context);

    // Act
    const onAnything = identityStatements(resources).filter(
      ({ statement }) => statement.Effect === 'Allow' && asList(statement.Resource).includes('*'),
    );

    // Assess
    expect(onAnything.length).toBeGreaterThan(0);
    for (const { policy, statement } of onAnything) {
      for (const action of asList(statement.Action) as string[]) {
        expect({ policy, action, allowed: action in ALLOWED_ON_ANY_RESOURCE }).toEqual({
          policy,
          action,
          allowed: true,
        });
      }
    }
  });

  test('no wildcard action anywhere but in the KMS grants CDK writes for SNS publishing', () => {
    // Prepare
    const { resources } = synthesizePipeline();

    // Act
    const wildcards = identityStatements(resources)
      .flatMap(({ statement }) => asList(statement.Action) as string[])
      .filter((a) => a.includes('*'));

    // Assess
    expect([...new Set(wildcards)]).toEqual(['kms:GenerateDataKey*']);
  });

  test("a function's own policy holds no *: a new grant on * is a cdk-nag finding that fails the synth", () => {
    // Prepare
    const { app, stack } = createPipelineApp({ bundling: false });
    expect(unacknowledgedNagFindings(app)).toEqual([]);

    // Act: what slipped through the blanket IAM5[Resource::*] acknowledgement before
    stack.training.validateImages.addToRolePolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: ['*'] }),
    );

    // Assess
    const findings = unacknowledgedNagFindings(app);
    expect(findings.map((f) => f.ruleName)).toEqual(['AwsSolutions-IAM5[Resource::*]']);
    expect(findings[0]?.violatingResources.map((r) => r.constructPath)).toEqual([
      expect.stringContaining('Training/ValidateImages/Role/DefaultPolicy'),
    ]);
  });
});

describe('function roles', () => {
  const { stack, resources } = synthesizePipeline();
  const functions = Object.entries(resources).filter(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['avatar-pipeline:local-handler'],
  );

  test('no function role carries an AWS managed policy: AWSLambdaBasicExecutionRole allowed logs on *', () => {
    // Prepare, Act
    const managed = functions.map(([id, f]) => {
      const role = (f.Properties?.Role as { 'Fn::GetAtt': [string] } | undefined)?.[
        'Fn::GetAtt'
      ][0] as string;
      return { id, managed: JSON.stringify(propertiesOf(resources, role).ManagedPolicyArns ?? []) };
    });

    // Assess
    // One function per workflow task, one per HTTP API route, and the authorizer.
    expect(functions.length).toBe(Object.keys(TASKS).length + API_ROUTES.length + 1);
    for (const { id, managed: arns } of managed) {
      expect({ id, awsManaged: arns.includes('arn:') || arns.includes(':iam::aws:policy') }).toEqual({
        id,
        awsManaged: false,
      });
      expect({ id, tracing: arns.includes('FunctionTracingPolicy') }).toEqual({ id, tracing: true });
    }
  });

  test('each function may write to its own log group and to no other', () => {
    for (const [id, f] of functions) {
      // Prepare
      const role = (f.Properties?.Role as { 'Fn::GetAtt': [string] } | undefined)?.[
        'Fn::GetAtt'
      ][0] as string;
      const logGroup = (f.Properties?.LoggingConfig as { LogGroup: { Ref: string } } | undefined)?.LogGroup
        .Ref;

      // Act
      const logs = statementsOfRole(resources, role).filter((s) =>
        JSON.stringify(s.Action).includes('logs:'),
      );

      // Assess
      expect({ id, logs }).toEqual({
        id,
        logs: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] },
          },
        ],
      });
    }
  });

  test('the tracing policy is one managed policy with the two X-Ray actions and nothing else', () => {
    // Prepare, Act
    const policies = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy');

    // Assess
    expect(policies).toHaveLength(1);
    expect(policies[0]?.[1].Properties?.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: [...TRACING_ACTIONS].sort(), Resource: '*' }],
    });
    expect(
      stack.getLogicalId(stack.node.findChild('FunctionTracingPolicy').node.defaultChild as CfnElement),
    ).toBe(policies[0]?.[0]);
  });

  test('no acknowledgement of IAM5[Resource::*] sits on a default policy', () => {
    // Prepare
    const onDefaultPolicies: string[] = [];
    const walk = (node: typeof stack.node): void => {
      for (const entry of node.metadata) {
        if (
          entry.type === 'aws:cdk:acknowledged-rules' &&
          Object.keys(entry.data as Record<string, string>).some((id) => id.endsWith('IAM5[Resource::*]')) &&
          node.id === 'DefaultPolicy'
        )
          onDefaultPolicies.push(node.path);
      }
      for (const child of node.children) walk(child.node);
    };

    // Act
    walk(stack.node);

    // Assess
    expect(onDefaultPolicies).toEqual([]);
  });
});
