/**
 * What the infra tests share: one in-process synth (no bundling) per test file, the training definition with its
 * CloudFormation tokens resolved to plausible ARNs, and the cdk-nag findings left after acknowledgements.
 */

import type { PolicyViolation } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { AvatarPipelineStack } from '../../../infra/avatar-pipeline-stack.js';
import { createPipelineApp } from '../../../infra/pipeline-app.js';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

export type Resources = Record<
  string,
  {
    Type: string;
    Properties?: Record<string, unknown>;
    Metadata?: Record<string, unknown>;
    DeletionPolicy?: string;
  }
>;

export function synthesizePipeline(context: Record<string, unknown> = {}) {
  const { app, stack } = createPipelineApp({ bundling: false, context });
  const template = Template.fromStack(stack);
  return { app, stack, template, resources: template.toJSON().Resources as Resources };
}

export function logicalIdOfType(resources: Resources, type: string, idContains = ''): string {
  const ids = Object.keys(resources).filter((id) => resources[id]?.Type === type && id.includes(idContains));
  if (ids.length !== 1)
    throw new Error(`Expected one ${type} with "${idContains}" in its id, found: ${ids.join(', ')}`);
  return ids[0] as string;
}

/**
 * The definition as Step Functions would see it: `Fn::Join` pieces concatenated, `Ref AWS::Partition` = aws,
 * `Fn::GetAtt [X, Arn]` = an ARN of X's resource type whose name is the logical id (the local runtime does the
 * same to map a Lambda ARN back to a function through its logical id).
 */
export function resolvedTrainingDefinition(
  stack: AvatarPipelineStack,
  resources: Resources,
): Record<string, unknown> {
  const id = stack.getLogicalId(stack.training.stateMachine.node.defaultChild as never);
  const definition = resources[id]?.Properties?.DefinitionString as { 'Fn::Join': [string, unknown[]] };
  const text = definition['Fn::Join'][1].map((piece) => resolvePiece(piece, resources)).join('');
  return JSON.parse(text) as Record<string, unknown>;
}

function resolvePiece(piece: unknown, resources: Resources): string {
  if (typeof piece === 'string') return piece;
  const token = piece as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (token.Ref === 'AWS::Partition') return 'aws';
  if (token.Ref === 'AWS::Region') return REGION;
  if (token.Ref === 'AWS::AccountId') return ACCOUNT;
  const [logicalId, attribute] = token['Fn::GetAtt'] ?? [];
  if (logicalId && attribute === 'Arn') {
    const type = resources[logicalId]?.Type;
    if (type === 'AWS::Lambda::Function') return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${logicalId}`;
    if (type === 'AWS::Events::EventBus') return `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${logicalId}`;
  }
  throw new Error(`No resolution for ${JSON.stringify(piece)} in the training definition`);
}

/** Findings (errors and warnings) that no `Validations.of(...).acknowledge` covers. */
export function unacknowledgedNagFindings(
  scope: Parameters<AwsSolutionsChecks['validateScope']>[0],
): PolicyViolation[] {
  return [...new AwsSolutionsChecks().validateScope(scope).violations];
}

export function describeFindings(findings: PolicyViolation[]): string {
  return findings
    .map(
      (v) =>
        `${v.severity} ${v.ruleName}: ${v.description}\n${v.violatingResources.map((r) => `    at ${r.constructPath}`).join('\n')}`,
    )
    .join('\n');
}

/** Properties of a resource that must exist (a clear failure instead of reading through undefined). */
export function propertiesOf(resources: Resources, logicalId: string): Record<string, unknown> {
  const properties = resources[logicalId]?.Properties;
  if (!properties) throw new Error(`No resource ${logicalId} with properties in the template`);
  return properties;
}

/**
 * Prebuilt SageMaker images (context `trainingImageUri` / `servingImageUri`), by digest as the README says: a synth
 * that does not stage the sagemaker/ Docker folders.
 */
export const PREBUILT_IMAGES = {
  trainingImageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/avatar-training@sha256:${'a1'.repeat(32)}`,
  servingImageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/avatar-serving@sha256:${'b2'.repeat(32)}`,
};

export interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every statement of every inline policy (AWS::IAM::Policy) attached to the role. */
export function statementsOfRole(resources: Resources, roleLogicalId: string): PolicyStatementJson[] {
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => JSON.stringify(r.Properties?.Roles).includes(`"${roleLogicalId}"`))
    .flatMap(
      (r) =>
        (r.Properties?.PolicyDocument as { Statement: PolicyStatementJson[] } | undefined)?.Statement ?? [],
    );
}

/**
 * A resource of a statement as a string: `Fn::GetAtt [X, Arn]` becomes `arn:X`, `Ref X` becomes `X` (pseudo
 * parameters `aws`, the test account and region), `Fn::Join` is joined. Enough to match ARNs with wildcards.
 */
export function resolveResource(value: unknown): string {
  if (typeof value === 'string') return value;
  const token = value as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, unknown[]] };
  if (token.Ref === 'AWS::Partition') return 'aws';
  if (token.Ref === 'AWS::Region') return REGION;
  if (token.Ref === 'AWS::AccountId') return ACCOUNT;
  if (token.Ref) return token.Ref;
  if (token['Fn::GetAtt']) return `arn:${token['Fn::GetAtt'][0]}`;
  if (token['Fn::Join']) return token['Fn::Join'][1].map(resolveResource).join(token['Fn::Join'][0]);
  throw new Error(`Cannot resolve ${JSON.stringify(value)}`);
}

const wildcardMatch = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

/**
 * Whether some Allow statement names the action on the resource (wildcards honoured, conditions ignored: an
 * over-approximation, so "is not allowed" is a safe conclusion). Resources as `resolveResource` writes them.
 */
export function allows(statements: PolicyStatementJson[], action: string, resource: string): boolean {
  return statements.some((s) => {
    if (s.Effect !== 'Allow') return false;
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    const resources = (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map(resolveResource);
    return actions.some((a) => wildcardMatch(a, action)) && resources.some((r) => wildcardMatch(r, resource));
  });
}
