import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { InvalidConfigurationError } from '../../../infra/config.js';
import { WORKFLOW_METADATA_KEY } from '../../../infra/constructs/workflow-state-machine.js';
import { GenerationStates } from '../../../state-machines/generation/contract.js';
import {
  allows,
  describeFindings,
  type PolicyStatementJson,
  propertiesOf,
  type Resources,
  resolveResource,
  statementsOfRole,
  synthesizePipeline,
  unacknowledgedNagFindings,
} from './synthesized-pipeline.js';

const { app, stack, template, resources } = synthesizePipeline();
const generation = stack.generation;
const logicalId = (construct: IConstruct) =>
  stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);

const ids = {
  bucket: logicalId(stack.photos.bucket),
  bus: logicalId(stack.notification.bus),
  ledger: logicalId(stack.ingest.ledger),
  registry: logicalId(stack.hosting.registry),
  endpoint: logicalId(stack.hosting.endpoint),
  stateMachine: logicalId(generation.stateMachine),
  stateMachineRole: logicalId(generation.stateMachine.role),
  prepareGeneration: logicalId(generation.prepareGeneration),
  screenPrompts: logicalId(generation.screenPrompts),
  generateScreenedImage: logicalId(generation.generateScreenedImage),
  compileAvatars: logicalId(generation.compileAvatars),
  modelReadyRule: logicalId(generation.modelReadyRule),
  generationRequestedRule: logicalId(generation.generationRequestedRule),
  modelReadyDeadLetters: logicalId(generation.modelReadyDeadLetters),
  generationRequestedDeadLetters: logicalId(generation.generationRequestedDeadLetters),
};
const bucketObject = (key: string) => `arn:${ids.bucket}/${key}`;
const actionsOf = (s: PolicyStatementJson) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: PolicyStatementJson) =>
  (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map(resolveResource);

function roleOf(res: Resources, functionLogicalId: string): string {
  const role = propertiesOf(res, functionLogicalId).Role as { 'Fn::GetAtt': [string, string] };
  return role['Fn::GetAtt'][0];
}
const statementsOfFunction = (functionLogicalId: string) =>
  statementsOfRole(resources, roleOf(resources, functionLogicalId));
/**
 * The actions a function's role allows besides writing its own logs and using the data key through the service
 * that holds the data (both checked for every function in avatar-pipeline-stack.test.ts).
 */
function ownActions(functionLogicalId: string): string[] {
  return statementsOfFunction(functionLogicalId)
    .flatMap(actionsOf)
    .filter((a) => !a.startsWith('xray:') && !a.startsWith('logs:') && !a.startsWith('kms:'))
    .sort();
}
const environmentOf = (res: Resources, functionLogicalId: string) =>
  (propertiesOf(res, functionLogicalId).Environment as { Variables: Record<string, unknown> }).Variables;

/** The definition with every CloudFormation token replaced by a placeholder (enough to read its structure). */
function definitionOf(res: Resources, machineLogicalId: string): Record<string, Record<string, unknown>> {
  const definition = propertiesOf(res, machineLogicalId).DefinitionString as
    | string
    | { 'Fn::Join': [string, unknown[]] };
  const text =
    typeof definition === 'string'
      ? definition
      : definition['Fn::Join'][1].map((piece) => (typeof piece === 'string' ? piece : 'TOKEN')).join('');
  return JSON.parse(text) as Record<string, Record<string, unknown>>;
}

describe('generation state machine', () => {
  test('is a Standard machine that logs errors without execution data to an encrypted log group, traces and stops after 2 h', () => {
    const machine = resources[ids.stateMachine];
    expect(machine).toMatchObject({
      Metadata: { [WORKFLOW_METADATA_KEY]: 'generation' },
      Properties: {
        StateMachineType: 'STANDARD',
        StateMachineName: 'AvatarPipeline-generation',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false },
        RoleArn: { 'Fn::GetAtt': [ids.stateMachineRole, 'Arn'] },
      },
    });
    const logGroupId = (
      propertiesOf(resources, ids.stateMachine).LoggingConfiguration as {
        Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [string] } } }[];
      }
    ).Destinations[0]?.CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0] as string;
    expect(logGroupId).toBe(logicalId(generation.stateMachineLogs));
    const logGroup = propertiesOf(resources, logGroupId);
    expect(logGroup).toMatchObject({
      LogGroupName: '/aws/vendedlogs/states/AvatarPipeline-generation',
      RetentionInDays: 30,
    });
    const keyId = (logGroup.KmsKeyId as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    expect(resources[keyId]).toMatchObject({
      Type: 'AWS::KMS::Key',
      Properties: { EnableKeyRotation: true },
    });
    expect(definitionOf(resources, ids.stateMachine).TimeoutSeconds).toBe(7200);
  });

  test('carries workflow metadata beside training and webhooks, and names the contract states', () => {
    const workflows = Object.values(resources)
      .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')
      .map((r) => r.Metadata?.[WORKFLOW_METADATA_KEY])
      .sort();
    expect(workflows).toEqual(['erasure', 'generation', 'training', 'webhooks']);
    const text = JSON.stringify(definitionOf(resources, ids.stateMachine));
    for (const state of [
      GenerationStates.prepare,
      GenerationStates.screenPrompts,
      GenerationStates.generateImages,
      GenerationStates.compile,
    ])
      expect(text).toContain(`"${state}":{`);
  });

  test('generates imageConcurrency images at once (default 2)', () => {
    const mapOf = (res: Resources, machineId: string) =>
      definitionOf(res, machineId).States?.[GenerationStates.generateImages] as Record<string, unknown>;
    expect(mapOf(resources, ids.stateMachine)).toMatchObject({ Type: 'Map', MaxConcurrency: 2 });
    const five = synthesizePipeline({ imageConcurrency: '5' });
    expect(
      mapOf(
        five.resources,
        five.stack.getLogicalId(five.stack.generation.stateMachine.node.defaultChild as never),
      ),
    ).toMatchObject({ MaxConcurrency: 5 });
  });

  test('its role may invoke its four functions, put events on the pipeline bus, and log and trace: nothing else', () => {
    const statements = statementsOfRole(resources, ids.stateMachineRole);
    const functions = [
      ids.prepareGeneration,
      ids.screenPrompts,
      ids.generateScreenedImage,
      ids.compileAvatars,
    ];
    const serviceActions =
      /^(logs:(CreateLogDelivery|DeleteLogDelivery|DescribeLogGroups|DescribeResourcePolicies|GetLogDelivery|ListLogDeliveries|PutResourcePolicy|UpdateLogDelivery)|xray:(GetSamplingRules|GetSamplingTargets|PutTelemetryRecords|PutTraceSegments))$/;
    const invoked = new Set<string>();
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      const actions = actionsOf(statement);
      if (actions.includes('lambda:InvokeFunction')) {
        expect(actions).toEqual(['lambda:InvokeFunction']);
        for (const resource of resourcesOf(statement)) {
          const fn = functions.find((id) => resource === `arn:${id}` || resource === `arn:${id}:*`);
          expect({ resource, ours: fn !== undefined }).toEqual({ resource, ours: true });
          invoked.add(fn as string);
        }
      } else if (actions.includes('events:PutEvents')) {
        expect(actions).toEqual(['events:PutEvents']);
        expect(resourcesOf(statement)).toEqual([`arn:${ids.bus}`]);
      } else {
        for (const action of actions) expect(action).toMatch(serviceActions);
        expect(statement.Resource).toBe('*');
      }
    }
    expect([...invoked].sort()).toEqual([...functions].sort());
    expect(
      allows(statements, 'lambda:InvokeFunction', `arn:${logicalId(stack.training.validateImages)}`),
    ).toBe(false);
  });
});

describe('rules that start a generation', () => {
  const target = (queueId: string) => ({
    Id: Match.anyValue(),
    Arn: { Ref: ids.stateMachine },
    RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GenerationStateMachineEventsRole'), 'Arn'] },
    DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
    RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
  });

  test('Model Ready from the pipeline starts it with the whole event as input', () => {
    expect(propertiesOf(resources, ids.modelReadyRule)).toEqual({
      Description: expect.any(String),
      State: 'ENABLED',
      EventBusName: { Ref: ids.bus },
      EventPattern: { source: ['avatar-pipeline'], 'detail-type': ['Model Ready'] },
      Targets: [expect.anything()],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['avatar-pipeline'], 'detail-type': ['Model Ready'] },
      Targets: [Match.exact(target(ids.modelReadyDeadLetters))],
    });
  });

  test('Avatar Generation Requested from a partner source (any but ours) starts it with the whole event as input', () => {
    expect(propertiesOf(resources, ids.generationRequestedRule)).toEqual({
      Description: expect.any(String),
      State: 'ENABLED',
      EventBusName: { Ref: ids.bus },
      EventPattern: {
        source: [{ 'anything-but': ['avatar-pipeline'] }],
        'detail-type': ['Avatar Generation Requested'],
      },
      Targets: [expect.anything()],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: [{ 'anything-but': ['avatar-pipeline'] }],
        'detail-type': ['Avatar Generation Requested'],
      },
      Targets: [Match.exact(target(ids.generationRequestedDeadLetters))],
    });
  });

  test('each dead-letter queue is encrypted, TLS-only, keeps events 14 days and takes only its rule', () => {
    for (const [queueId, ruleId] of [
      [ids.modelReadyDeadLetters, ids.modelReadyRule],
      [ids.generationRequestedDeadLetters, ids.generationRequestedRule],
    ] as const) {
      expect(propertiesOf(resources, queueId)).toEqual({
        KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(stack.keys.messages), 'Arn'] },
        MessageRetentionPeriod: 14 * 86_400,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
            }),
          ]),
        },
      });
    }
    expect(ids.modelReadyDeadLetters).not.toBe(ids.generationRequestedDeadLetters);
  });

  test("EventBridge's role may only start the generation state machine", () => {
    const roleId = Object.keys(resources).find(
      (id) => id.startsWith('GenerationStateMachineEventsRole') && resources[id]?.Type === 'AWS::IAM::Role',
    ) as string;
    expect(statementsOfRole(resources, roleId)).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: ids.stateMachine } },
    ]);
  });

  test('the bus is not opened to other accounts', () => {
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::Events::EventBusPolicy')).toEqual([]);
    expect(JSON.stringify(propertiesOf(resources, ids.bus))).not.toContain('Policy');
  });
});

describe('generation functions', () => {
  test.each([
    ['prepareGeneration', () => ids.prepareGeneration, 30, 512],
    ['screenPrompts', () => ids.screenPrompts, 60, 512],
    ['generateScreenedImage', () => ids.generateScreenedImage, 600, 256],
    ['compileAvatars', () => ids.compileAvatars, 30, 512],
  ])('%s runs Node 24 on arm64, traced, names its local handler (%#)', (name, id, timeout, memory) => {
    expect(resources[id()]).toMatchObject({
      Metadata: { 'avatar-pipeline:local-handler': name },
      Properties: {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Timeout: timeout,
        MemorySize: memory,
      },
    });
  });

  test('PrepareGeneration may only GetItem on the ledger and the model registry', () => {
    expect(ownActions(ids.prepareGeneration)).toEqual(['dynamodb:GetItem']);
    const gets = statementsOfFunction(ids.prepareGeneration).filter((s) =>
      actionsOf(s).includes('dynamodb:GetItem'),
    );
    expect(gets.flatMap(resourcesOf).sort()).toEqual([`arn:${ids.registry}`, `arn:${ids.ledger}`].sort());
  });

  test('ScreenPrompts may only call Comprehend toxicity and language detection', () => {
    expect(ownActions(ids.screenPrompts)).toEqual([
      'comprehend:DetectDominantLanguage',
      'comprehend:DetectToxicContent',
    ]);
  });

  test('GenerateScreenedImage may invoke the MME, write avatars/ and quarantine/, and moderate images: nothing else', () => {
    const statements = statementsOfFunction(ids.generateScreenedImage);
    expect([...new Set(ownActions(ids.generateScreenedImage))]).toEqual([
      'rekognition:DetectModerationLabels',
      's3:AbortMultipartUpload',
      's3:PutObject',
      'sagemaker:InvokeEndpoint',
    ]);
    const invoke = statements.filter((s) => actionsOf(s).includes('sagemaker:InvokeEndpoint'));
    expect(invoke.flatMap(resourcesOf)).toEqual([ids.endpoint]);
    expect(allows(statements, 's3:PutObject', bucketObject('avatars/ada/r1/0.png'))).toBe(true);
    expect(allows(statements, 's3:PutObject', bucketObject('quarantine/ada/r1/0.png'))).toBe(true);
    for (const key of ['subjects/ada/1.jpg', 'models/ada/v1.tar.gz', 'training/ada/x', 'adapters/ada/x'])
      expect(allows(statements, 's3:PutObject', bucketObject(key))).toBe(false);
    const moderation = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('rekognition:')));
    expect(moderation).toEqual([
      { Effect: 'Allow', Action: 'rekognition:DetectModerationLabels', Resource: '*' },
    ]);
  });

  test('the prefixes granted are the ones GenerateScreenedImage writes to', async () => {
    // Prepare
    const layout = await import('../../../functions/platform/bucket-layout.js');
    const statements = statementsOfFunction(ids.generateScreenedImage);
    const target = { tenantId: 'default', subjectId: 'ada', modelVersion: 'v-1', requestId: 'r1' };
    // Act
    const written = [
      layout.avatarKey(target, { promptId: 'p1', imageIndex: 0 }),
      layout.quarantineKey(target, { promptId: 'p1', imageIndex: 0 }, 1),
    ];
    // Assess
    expect(written.map((key) => `${key.split('/')[0]}/`)).toEqual([
      layout.AVATARS_PREFIX,
      layout.QUARANTINE_PREFIX,
    ]);
    for (const key of written) expect(allows(statements, 's3:PutObject', bucketObject(key))).toBe(true);
  });

  test('CompileAvatars reads nothing: events carry keys, and only the API issues links (issue 11)', () => {
    const statements = statementsOfFunction(ids.compileAvatars);
    expect(ownActions(ids.compileAvatars)).toEqual([]);
    for (const key of ['avatars/ada/r1/0.png', 'quarantine/ada/r1/0.png', 'subjects/ada/1.jpg'])
      expect(allows(statements, 's3:GetObject', bucketObject(key))).toBe(false);
  });

  test('environments follow the defaults', () => {
    expect(environmentOf(resources, ids.prepareGeneration)).toMatchObject({
      LEDGER_TABLE: { Ref: ids.ledger },
      MODEL_REGISTRY_TABLE: { Ref: ids.registry },
      MAX_IMAGES_PER_REQUEST: '24',
    });
    expect(environmentOf(resources, ids.screenPrompts)).toMatchObject({
      DENY_LIST_EXTRA: '',
      TOXICITY_THRESHOLDS: '',
      NON_ENGLISH_POLICY: 'reject',
      MAX_PROMPT_BYTES: '1024',
    });
    expect(environmentOf(resources, ids.generateScreenedImage)).toMatchObject({
      SERVING_ENDPOINT: 'AvatarPipeline-avatars',
      PHOTO_BUCKET: { Ref: ids.bucket },
      MAX_REGENERATIONS: '2',
      BLOCKED_CATEGORIES:
        'Explicit,Explicit Nudity,Non-Explicit Nudity of Intimate parts and Kissing,Violence,Visually Disturbing,Hate Symbols,Drugs & Tobacco',
      MODERATION_MIN_CONFIDENCE: '60',
    });
    expect(environmentOf(resources, ids.compileAvatars)).not.toHaveProperty('LINK_EXPIRY_SECONDS');
  });

  test('environments follow the context', () => {
    const custom = synthesizePipeline({
      maxImagesPerRequest: '12',
      promptDenyList: ' zombie , gore ',
      toxicityThresholds: '{"TOXICITY": 0.4, "SEXUAL": 0.2}',
      nonEnglishPromptPolicy: 'allow-unscreened',
      maxRegenerations: 0,
      blockedImageCategories: 'Explicit,Violence',
      imageModerationMinConfidence: '80',
      linkExpirySeconds: '3600',
    });
    const g = custom.stack.generation;
    const id = (construct: IConstruct) => custom.stack.getLogicalId(construct.node.defaultChild as never);
    expect(environmentOf(custom.resources, id(g.prepareGeneration))).toMatchObject({
      MAX_IMAGES_PER_REQUEST: '12',
    });
    expect(environmentOf(custom.resources, id(g.screenPrompts))).toMatchObject({
      DENY_LIST_EXTRA: 'zombie,gore',
      TOXICITY_THRESHOLDS: '{"TOXICITY":0.4,"SEXUAL":0.2}',
      NON_ENGLISH_POLICY: 'allow-unscreened',
    });
    expect(environmentOf(custom.resources, id(g.generateScreenedImage))).toMatchObject({
      MAX_REGENERATIONS: '0',
      BLOCKED_CATEGORIES: 'Explicit,Violence',
      MODERATION_MIN_CONFIDENCE: '80',
    });
    expect(environmentOf(custom.resources, id(g.compileAvatars))).not.toHaveProperty('PHOTO_BUCKET');
  });
});

describe('generation context', () => {
  test.each([
    ['imageConcurrency', 0],
    ['imageConcurrency', '41'],
    ['maxRegenerations', -1],
    ['maxRegenerations', '1.5'],
    ['linkExpirySeconds', 604_801],
    ['linkExpirySeconds', 0],
    ['nonEnglishPromptPolicy', 'maybe'],
    ['promptDenyList', 'ok,,double comma'],
    ['promptDenyList', 42],
    ['toxicityThresholds', '{"TOXICITY": 2}'],
    ['toxicityThresholds', 'not json'],
    ['toxicityThresholds', '[0.5]'],
    ['toxicityThresholds', '{"toxicity": 0.5}'],
    ['toxicityThresholds', '{"RUDENESS": 0.5}'],
    ['maxImagesPerRequest', 0],
    ['blockedImageCategories', ''],
    ['blockedImageCategories', 'Explicit;Violence'],
    ['imageModerationMinConfidence', 101],
  ])('%s=%j is refused, naming the key', (key, value) => {
    expect(() => synthesizePipeline({ [key]: value })).toThrow(InvalidConfigurationError);
    expect(() => synthesizePipeline({ [key]: value })).toThrow(`"${key}"`);
  });

  test('the limits themselves are accepted', () => {
    const edge = synthesizePipeline({
      linkExpirySeconds: 604_800,
      imageConcurrency: 40,
      maxRegenerations: 0,
    });
    expect(edge.stack.config).toMatchObject({
      linkExpirySeconds: 604_800,
      imageConcurrency: 40,
      maxRegenerations: 0,
    });
  });
});

describe('cdk-nag', () => {
  test.each([
    ['the default stack', () => app],
    [
      'a dev stack with every generation setting changed',
      () =>
        synthesizePipeline({
          retainData: false,
          imageConcurrency: 4,
          promptDenyList: 'gore',
          toxicityThresholds: { TOXICITY: 0.5 },
          nonEnglishPromptPolicy: 'allow-unscreened',
        }).app,
    ],
  ])('%s has no unacknowledged finding in generation', (_name, appOf) => {
    const findings = unacknowledgedNagFindings(appOf());
    if (findings.length > 0) console.error(describeFindings(findings));
    expect(findings.map((f) => f.ruleName)).toEqual([]);
  });

  test('the generation acknowledgements are narrow: no rule acknowledged wholesale', () => {
    const acknowledged: string[] = [];
    const walk = (node: IConstruct['node']): void => {
      for (const entry of node.metadata) {
        if (entry.type === 'aws:cdk:acknowledged-rules')
          acknowledged.push(
            ...Object.keys(entry.data as Record<string, string>).map((id) => id.replace(/^Annotation::/, '')),
          );
      }
      for (const child of node.children) walk(child.node);
    };
    walk(generation.node);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const id of acknowledged) {
      // IAM5 always names the resource it accepts; SQS3 only on the dead-letter queues themselves; SF1 on the
      // state machine that logs below ALL on purpose. No managed AWS policy (IAM4) at all.
      if (id.startsWith('AwsSolutions-IAM5')) expect(id).toMatch(/^AwsSolutions-IAM5\[Resource::.+\]$/);
      else expect(['AwsSolutions-SQS3', 'AwsSolutions-SF1']).toContain(id);
    }
  });
});

describe('generation alarms', () => {
  test('failed or timed-out generations and undeliverable generation events notify the topic', () => {
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    const descriptions = alarms.map((a) => String(a.Properties?.AlarmDescription));
    expect(descriptions.filter((d) => d.includes('generation execution failed'))).toHaveLength(1);
    expect(descriptions.filter((d) => d.includes('could not be delivered: re-drive the DLQ'))).toHaveLength(
      2,
    );
    for (const alarm of alarms) expect(alarm.Properties?.AlarmActions).toHaveLength(1);
  });
});
