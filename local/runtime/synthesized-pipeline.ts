import { createPipelineApp } from '../../infra/pipeline-app.js';
import { resolveTokens, type Template } from './template-tokens.js';

/** Amazon States Language, as far as the local runtime needs to walk it. */
export interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  Branches?: AslDefinition[];
  ItemProcessor?: AslDefinition;
  Iterator?: AslDefinition;
  [field: string]: unknown;
}
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [field: string]: unknown;
}

export interface SynthesizedWorkflow {
  logicalId: string;
  /** The `avatar-pipeline:workflow` metadata the stack puts on each state machine, e.g. `training`. */
  workflow: string;
  definition: AslDefinition;
}

export interface SynthesizedPipeline {
  template: Template;
  workflows: SynthesizedWorkflow[];
  /** Lambda ARN as it appears in a resolved definition -> name of its local implementation. */
  localHandlerByFunctionArn: Map<string, string>;
}

export const LOCAL_HANDLER_METADATA = 'avatar-pipeline:local-handler';
export const WORKFLOW_METADATA = 'avatar-pipeline:workflow';

export class UnsupportedByLocalEngineError extends Error {
  override name = 'UnsupportedByLocalEngineError';
}

/**
 * Synthesizes the CDK app in-process (no bundling, no credentials) and returns its state machines with
 * every token resolved: the definitions that run locally are the ones `cdk deploy` would deploy.
 */
export function synthesizePipeline(context: Record<string, unknown> = {}): SynthesizedPipeline {
  const { app, stack } = createPipelineApp({ bundling: false, context });
  const template = app.synth().getStackArtifact(stack.artifactId).template as Template;
  return fromTemplate(template);
}

export function fromTemplate(template: Template): SynthesizedPipeline {
  const workflows: SynthesizedWorkflow[] = [];
  const localHandlerByFunctionArn = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::StepFunctions::StateMachine') {
      const raw = resolveTokens(template, resource.Properties?.DefinitionString);
      const definition = (typeof raw === 'string' ? JSON.parse(raw) : raw) as AslDefinition;
      assertRunnableLocally(definition, logicalId);
      const workflow = String(resource.Metadata?.[WORKFLOW_METADATA] ?? logicalId);
      workflows.push({ logicalId, workflow, definition });
    }
    const localHandler = resource.Metadata?.[LOCAL_HANDLER_METADATA];
    if (resource.Type === 'AWS::Lambda::Function' && typeof localHandler === 'string') {
      localHandlerByFunctionArn.set(
        String(resolveTokens(template, { 'Fn::GetAtt': [logicalId, 'Arn'] })),
        localHandler,
      );
    }
  }
  return { template, workflows, localHandlerByFunctionArn };
}

/**
 * aws-local-stepfunctions silently ignores JSONata, `Assign` variables and Distributed Map readers: a
 * definition that uses them would run differently here than on AWS, so it is refused outright.
 */
export function assertRunnableLocally(definition: unknown, where = 'definition'): void {
  const problems: string[] = [];
  const visit = (node: unknown, path: string) => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, `${path}[${i}]`);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'QueryLanguage' && value === 'JSONata') problems.push(`${path}.QueryLanguage = JSONata`);
      if (key === 'Assign') problems.push(`${path}.Assign`);
      if (key === 'ItemReader') problems.push(`${path}.ItemReader`);
      // The engine stores a result under a key named "$" instead of replacing the input: omit ResultPath.
      if (key === 'ResultPath' && value === '$')
        problems.push(`${path}.ResultPath = "$" (omit it: "$" is the default)`);
      visit(value, `${path}.${key}`);
    }
  };
  visit(definition, where);
  if (problems.length > 0) {
    throw new UnsupportedByLocalEngineError(
      `The local engine would silently ignore ${problems.join(', ')}; use JSONPath, ResultPath and inline Map instead`,
    );
  }
}

/**
 * The environment variables the stack gives a function, tokens resolved: local functions are configured
 * from the same values (context -> config -> environment) as the deployed ones.
 */
export function environmentOf(pipeline: SynthesizedPipeline, localHandler: string): Record<string, string> {
  for (const resource of Object.values(pipeline.template.Resources)) {
    if (
      resource.Type === 'AWS::Lambda::Function' &&
      resource.Metadata?.[LOCAL_HANDLER_METADATA] === localHandler
    ) {
      const variables = (
        resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined
      )?.Variables;
      return Object.fromEntries(
        Object.entries(variables ?? {}).map(([name, value]) => [
          name,
          String(resolveTokens(pipeline.template, value)),
        ]),
      );
    }
  }
  throw new Error(`No function with ${LOCAL_HANDLER_METADATA} "${localHandler}" in the synthesized stack`);
}

/** Every SNS topic of the stack, by the ARN a Ref to it resolves to. */
export function snsTopicArns(pipeline: SynthesizedPipeline): string[] {
  return Object.entries(pipeline.template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::SNS::Topic')
    .map(([logicalId]) => String(resolveTokens(pipeline.template, { Ref: logicalId })));
}

/** Lambda subscriptions to SNS topics, as the stack declares them: topic ARN -> local handler of the function. */
export function lambdaSubscriptions(
  pipeline: SynthesizedPipeline,
): { topicArn: string; localHandler: string }[] {
  return Object.values(pipeline.template.Resources)
    .filter(
      (resource) => resource.Type === 'AWS::SNS::Subscription' && resource.Properties?.Protocol === 'lambda',
    )
    .flatMap((resource) => {
      const functionArn = String(resolveTokens(pipeline.template, resource.Properties?.Endpoint));
      const localHandler = pipeline.localHandlerByFunctionArn.get(functionArn);
      return localHandler
        ? [
            {
              topicArn: String(resolveTokens(pipeline.template, resource.Properties?.TopicArn)),
              localHandler,
            },
          ]
        : [];
    });
}

/**
 * The asynchronous inference endpoint as the stack configures it: its name, its success and error topics and
 * its maximum instance count (the scalable target's MaxCapacity), which the local stand-in honours.
 */
export function asyncEndpointOf(pipeline: SynthesizedPipeline): {
  endpointName: string;
  successTopic: string;
  errorTopic: string;
  maxInstances: number;
} {
  const { template } = pipeline;
  const resources = Object.entries(template.Resources);
  const configEntry = resources.find(
    ([, resource]) =>
      resource.Type === 'AWS::SageMaker::EndpointConfig' && resource.Properties?.AsyncInferenceConfig,
  );
  if (!configEntry) throw new Error('The synthesized stack has no asynchronous inference endpoint');
  const [configId, config] = configEntry;
  const endpoint = resources.find(
    ([, resource]) =>
      resource.Type === 'AWS::SageMaker::Endpoint' &&
      JSON.stringify(resource.Properties?.EndpointConfigName).includes(`"${configId}"`),
  );
  if (!endpoint) throw new Error(`No endpoint uses the asynchronous endpoint config ${configId}`);
  const endpointName = String(resolveTokens(template, { 'Fn::GetAtt': [endpoint[0], 'EndpointName'] }));
  const asyncConfig = config.Properties?.AsyncInferenceConfig as {
    OutputConfig: { NotificationConfig: unknown };
  };
  const notification = resolveTokens(template, asyncConfig.OutputConfig.NotificationConfig) as {
    SuccessTopic: string;
    ErrorTopic: string;
  };
  const target = resources.find(
    ([, resource]) =>
      resource.Type === 'AWS::ApplicationAutoScaling::ScalableTarget' &&
      String(resolveTokens(template, resource.Properties?.ResourceId)).includes(`endpoint/${endpointName}/`),
  );
  return {
    endpointName,
    successTopic: notification.SuccessTopic,
    errorTopic: notification.ErrorTopic,
    maxInstances: Number(target?.[1].Properties?.MaxCapacity ?? 1),
  };
}

/** The name of the pipeline's own bus (the stack's only AWS::Events::EventBus). */
export function eventBusNameOf(pipeline: SynthesizedPipeline): string {
  const [logicalId] =
    Object.entries(pipeline.template.Resources).find(
      ([, resource]) => resource.Type === 'AWS::Events::EventBus',
    ) ?? [];
  if (!logicalId) throw new Error('The synthesized stack has no event bus');
  return String(resolveTokens(pipeline.template, { Ref: logicalId }));
}
