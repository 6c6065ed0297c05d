import { Match } from 'aws-cdk-lib/assertions';
import { TrainingStates } from '../../../state-machines/training/contract.js';
import { logicalIdOfType, propertiesOf, type Resources, synthesizePipeline } from './synthesized-pipeline.js';

const { stack, template, resources } = synthesizePipeline();

const ids = {
  bucket: stack.getLogicalId(stack.photos.bucket.node.defaultChild as never),
  accessLogs: stack.getLogicalId(stack.photos.accessLogs.node.defaultChild as never),
  ledger: stack.getLogicalId(stack.ingest.ledger.node.defaultChild as never),
  bus: stack.getLogicalId(stack.notification.bus.node.defaultChild as never),
  stateMachine: stack.getLogicalId(stack.training.stateMachine.node.defaultChild as never),
  stateMachineRole: stack.getLogicalId(stack.training.stateMachine.role.node.defaultChild as never),
  validateImages: stack.getLogicalId(stack.training.validateImages.node.defaultChild as never),
  prepareTrainingSet: stack.getLogicalId(stack.training.prepareTrainingSet.node.defaultChild as never),
  recordPhoto: stack.getLogicalId(stack.ingest.recordPhoto.node.defaultChild as never),
  startWaitingSubjects: stack.getLogicalId(stack.ingest.startWaitingSubjects.node.defaultChild as never),
};

/** The functions the training state machine invokes, by local handler name. */
const workflowFunctions = {
  settleImageSet: stack.ingest.settleImageSet,
  validateImages: stack.training.validateImages,
  prepareTrainingSet: stack.training.prepareTrainingSet,
  planTraining: stack.training.planTraining,
  acquireTrainingSlot: stack.training.acquireTrainingSlot,
  releaseTrainingSlot: stack.training.releaseTrainingSlot,
  startTraining: stack.training.startTraining,
  explainTrainingFailure: stack.training.explainTrainingFailure,
  deployModel: stack.training.deployModel,
  warmUpModel: stack.training.warmUpModel,
  registerModel: stack.training.registerModel,
};
const logicalIdOf = (fn: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(fn.node.defaultChild as never);

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every statement of every inline policy attached to the role. */
function statementsOfRole(roleLogicalId: string): Statement[] {
  return Object.values(resources as Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => JSON.stringify(r.Properties?.Roles).includes(`"${roleLogicalId}"`))
    .flatMap(
      (r) => (r.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [],
    );
}

function roleOf(functionLogicalId: string): string {
  const role = resources[functionLogicalId]?.Properties?.Role as { 'Fn::GetAtt': [string, string] };
  return role['Fn::GetAtt'][0];
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

describe('ingest bucket', () => {
  test('blocks public access, is encrypted, versioned, logs accesses to a separate bucket and is retained', () => {
    expect(resources[ids.bucket]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [logicalIdOf(stack.keys.data), 'Arn'] },
              },
              BucketKeyEnabled: true,
            },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: { DestinationBucketName: { Ref: ids.accessLogs } },
      },
    });
    expect(ids.accessLogs).not.toBe(ids.bucket);
    expect(resources[ids.accessLogs]?.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: expect.arrayContaining([expect.anything()]) },
    });
  });

  test.each([
    ['ingest', () => ids.bucket],
    ['access-log', () => ids.accessLogs],
  ])('the %s bucket refuses requests without TLS', (_name, bucketId) => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId() },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test('sends its events to EventBridge', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: ids.bucket },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
  });

  test('retainData=false destroys and empties the buckets (dev stacks)', () => {
    const dev = synthesizePipeline({ retainData: false, stackName: 'AvatarPipelineDev' });
    const buckets = Object.values(dev.resources).filter((r) => r.Type === 'AWS::S3::Bucket');
    expect(buckets.map((b) => b.DeletionPolicy)).toEqual(['Delete', 'Delete']);
    dev.template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    expect(dev.stack.stackName).toBe('AvatarPipelineDev');
  });
});

describe('subject ledger', () => {
  test('is on-demand, recoverable to a point in time, expires rows and indexes open subjects', () => {
    expect(resources[ids.ledger]).toMatchObject({
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        GlobalSecondaryIndexes: [
          {
            IndexName: 'open-subjects',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
          },
        ],
      },
    });
    const attributes = resources[ids.ledger]?.Properties?.AttributeDefinitions;
    expect(attributes).toEqual(
      expect.arrayContaining(
        ['pk', 'sk', 'gsi1pk', 'gsi1sk'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      ),
    );
  });
});

describe('training state machine', () => {
  test('is a Standard machine that logs errors, without execution data, to an encrypted log group and traces', () => {
    const machine = resources[ids.stateMachine]?.Properties ?? {};
    expect(machine).toMatchObject({
      StateMachineType: 'STANDARD',
      StateMachineName: 'AvatarPipeline-training',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false },
    });
    const logGroupId = (
      machine.LoggingConfiguration as {
        Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [string] } } }[];
      }
    ).Destinations[0]?.CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0] as string;
    expect(resources[logGroupId]?.Properties).toMatchObject({ KmsKeyId: expect.anything() });
    expect(resources[logGroupId]?.Properties?.KmsKeyId).toBeDefined();
  });

  test('has every state the contract names', () => {
    const definition = JSON.stringify(resources[ids.stateMachine]?.Properties?.DefinitionString);
    for (const name of Object.values(TrainingStates)) expect(definition).toContain(`\\"${name}\\":{`);
  });

  test('its role can only invoke its own task functions and put events on the pipeline bus', () => {
    const statements = statementsOfRole(ids.stateMachineRole);
    // Log delivery and X-Ray are what logging and tracing need; those APIs take no resource.
    const serviceActions =
      /^(logs:(CreateLogDelivery|DeleteLogDelivery|DescribeLogGroups|DescribeResourcePolicies|GetLogDelivery|ListLogDeliveries|PutResourcePolicy|UpdateLogDelivery)|xray:(GetSamplingRules|GetSamplingTargets|PutTelemetryRecords|PutTraceSegments))$/;
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      const actions = actionsOf(statement);
      if (actions.includes('lambda:InvokeFunction')) {
        expect(actions).toEqual(['lambda:InvokeFunction']);
        const expected = Object.values(workflowFunctions)
          .map(logicalIdOf)
          .flatMap((id) => [arnOf(id), { 'Fn::Join': ['', [arnOf(id), ':*']] }]);
        expect(statement.Resource).toEqual(expect.arrayContaining(expected));
        expect(statement.Resource).toHaveLength(expected.length);
      } else if (actions.includes('events:PutEvents')) {
        expect(actions).toEqual(['events:PutEvents']);
        expect(statement.Resource).toEqual(arnOf(ids.bus));
      } else {
        for (const action of actions) expect(action).toMatch(serviceActions);
      }
    }
    expect(statements.some((s) => actionsOf(s).includes('lambda:InvokeFunction'))).toBe(true);
    expect(statements.some((s) => actionsOf(s).includes('events:PutEvents'))).toBe(true);
    // No managed policy either.
    expect(resources[ids.stateMachineRole]?.Properties?.ManagedPolicyArns).toBeUndefined();
  });
});

describe('ingest', () => {
  test('RecordPhoto is the target of Object Created events under subjects/ (the default tenant drop folder) and tenants/ of the ingest bucket, with a DLQ', () => {
    const ruleId = logicalIdOfType(resources, 'AWS::Events::Rule', 'PhotoCreated');
    expect(resources[ruleId]?.Properties).toMatchObject({
      EventBusName: 'default',
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [{ Ref: ids.bucket }] },
          object: { key: [{ prefix: 'subjects/' }, { prefix: 'tenants/' }] },
        },
      },
      Targets: [
        {
          Arn: arnOf(ids.recordPhoto),
          RetryPolicy: { MaximumRetryAttempts: expect.anything() },
          DeadLetterConfig: { Arn: expect.anything() },
        },
      ],
    });
    const dlqId = (
      propertiesOf(resources, ruleId).Targets as {
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [string] } };
      }[]
    )[0]?.DeadLetterConfig.Arn['Fn::GetAtt'][0] as string;
    expect(resources[dlqId]?.Properties).toMatchObject({
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(stack.keys.messages), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlqId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('StartWaitingSubjects runs every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: arnOf(ids.startWaitingSubjects) })],
    });
  });

  test.each([
    ['RecordPhoto', () => ids.recordPhoto],
    ['StartWaitingSubjects', () => ids.startWaitingSubjects],
  ])('%s may start executions of the training machine and of nothing else', (_name, fn) => {
    const statements = statementsOfRole(roleOf(fn()));
    const stepFunctions = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('states:')));
    expect(stepFunctions).toEqual([
      expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: ids.stateMachine } }),
    ]);
  });
});

describe('subject ledger access', () => {
  test.each([
    ['RecordPhoto', () => ids.recordPhoto],
    ['StartWaitingSubjects', () => ids.startWaitingSubjects],
  ])('%s may only get, put, update and query the ledger (no scan, delete or batch write)', (_name, fn) => {
    const statements = statementsOfRole(roleOf(fn()));
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap(actionsOf).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
  });

  test('the local ledger has the same keys and index as the deployed table', async () => {
    const { ledgerTableDefinition } = await import('../../../local/runtime/table-definitions.js');
    const local = ledgerTableDefinition('x');
    const deployed = resources[ids.ledger]?.Properties as Record<string, unknown>;
    expect(deployed.KeySchema).toEqual(local.KeySchema);
    expect(deployed.AttributeDefinitions).toEqual(expect.arrayContaining(local.AttributeDefinitions ?? []));
    expect(
      (deployed.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown }[]).map((i) => [
        i.IndexName,
        i.KeySchema,
      ]),
    ).toEqual((local.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, i.KeySchema]));
  });

  test('the table definitions unit tests use have the keys of the deployed training state and registry tables', async () => {
    const { trainingStateTableDefinition, modelRegistryTableDefinition } = await import(
      '../../../local/runtime/table-definitions.js'
    );
    for (const [table, local] of [
      [stack.training.stateTable, trainingStateTableDefinition('x')],
      [stack.hosting.registry, modelRegistryTableDefinition('x')],
    ] as const) {
      const deployed = resources[logicalIdOf(table)]?.Properties as Record<string, unknown>;
      expect(deployed.KeySchema).toEqual(local.KeySchema);
      expect(deployed.AttributeDefinitions).toEqual(local.AttributeDefinitions);
    }
  });
});

describe('functions', () => {
  const functions = {
    recordPhoto: ids.recordPhoto,
    startWaitingSubjects: ids.startWaitingSubjects,
    trainingCallback: logicalIdOf(stack.training.trainingCallback),
    ...Object.fromEntries(Object.entries(workflowFunctions).map(([name, fn]) => [name, logicalIdOf(fn)])),
    // The generation workflow's functions (test/integration/infra/generation.test.ts covers them in depth).
    prepareGeneration: logicalIdOf(stack.generation.prepareGeneration),
    screenPrompts: logicalIdOf(stack.generation.screenPrompts),
    generateScreenedImage: logicalIdOf(stack.generation.generateScreenedImage),
    compileAvatars: logicalIdOf(stack.generation.compileAvatars),
    // The HTTP API's authorizer and one function per route (test/integration/infra/api.test.ts covers them).
    apiAuthorizer: logicalIdOf(stack.api.authorizerFunction),
    ...Object.fromEntries(
      Object.entries(stack.api.routeFunctions).map(([name, fn]) => [name, logicalIdOf(fn)]),
    ),
    // The webhooks workflow's functions (test/integration/webhooks/webhooks-infra.test.ts covers them).
    planWebhookDeliveries: logicalIdOf(stack.webhooks.planWebhookDeliveries),
    deliverWebhook: logicalIdOf(stack.webhooks.deliverWebhook),
    // The erasure workflow's functions (test/integration/infra/erasure.test.ts covers them in depth).
    beginErasure: logicalIdOf(stack.erasure.beginErasure),
    stopSubjectExecutions: logicalIdOf(stack.erasure.stopSubjectExecutions),
    eraseSubjectData: logicalIdOf(stack.erasure.eraseSubjectData),
    verifyErasure: logicalIdOf(stack.erasure.verifyErasure),
    // The operations capability (test/integration/infra/operations.test.ts covers them in depth).
    countOutcome: logicalIdOf(stack.operations.countOutcome),
    sendDailySummary: logicalIdOf(stack.operations.sendDailySummary),
  };

  test.each(Object.entries(functions))(
    '%s runs Node 24 on arm64, traced, and names its local handler',
    (name, id) => {
      expect(resources[id]).toMatchObject({
        Metadata: { 'avatar-pipeline:local-handler': name },
        Properties: {
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogGroup: expect.anything() },
          Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'avatar-pipeline' } },
        },
      });
    },
  );

  test('every function of ours is listed here, and each names a different local handler', () => {
    const named = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['avatar-pipeline:local-handler'])
      .map((r) => r.Metadata?.['avatar-pipeline:local-handler']);
    expect(named.sort()).toEqual(Object.keys(functions).sort());
  });

  test('the image functions get memory, five minutes and the sharp layer', () => {
    for (const [id, memory] of [
      [ids.validateImages, 1769],
      [ids.prepareTrainingSet, 2048],
    ] as const) {
      expect(resources[id]?.Properties).toMatchObject({
        MemorySize: memory,
        Timeout: 300,
        Layers: [{ Ref: logicalIdOfType(resources, 'AWS::Lambda::LayerVersion', 'Sharp') }],
      });
    }
    expect(resources[ids.validateImages]?.Properties?.Environment).toMatchObject({
      Variables: {
        PHOTO_BUCKET: { Ref: ids.bucket },
        MIN_PHOTOS: '10',
        MAX_PHOTOS: '15',
        MIN_SIDE_PX: '512',
        MAX_FILE_BYTES: String(40 * 1024 * 1024),
        MAX_PIXELS: '50000000',
      },
    });
    expect(resources[ids.prepareTrainingSet]?.Properties?.Environment).toMatchObject({
      Variables: {
        PHOTO_BUCKET: { Ref: ids.bucket },
        TRAINING_RESOLUTION: '512',
        TRAINING_PREFIX: 'training/',
      },
    });
  });

  test('ValidateImages may call Rekognition face and moderation analysis', () => {
    const statements = statementsOfRole(roleOf(ids.validateImages));
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['rekognition:DetectFaces', 'rekognition:DetectModerationLabels'],
        Resource: '*',
      }),
    );
  });

  test('only the functions that must write to the bucket do, each under its own prefix', () => {
    const writers: Record<string, string[]> = {
      [ids.prepareTrainingSet]: ['/training/*'],
      [logicalIdOf(stack.training.planTraining)]: ['/training/*'],
      [logicalIdOf(stack.training.deployModel)]: ['/models/*'],
      // A dry run's stand-in adapter and response, where the training endpoint would write them.
      [logicalIdOf(stack.training.startTraining)]: ['/adapters/*', '/async-inference/output/*'],
      [logicalIdOf(stack.generation.generateScreenedImage)]: ['/avatars/*', '/quarantine/*'],
      // subject.json of a subject created through the API, and the signer of its presigned PUTs.
      [logicalIdOf(stack.api.routeFunctions.apiCreateSubject as never)]: ['/tenants/*'],
    };
    for (const id of Object.values(functions)) {
      // Permanent deletes (erasure, and the callback's deletion of an erased subject's late results) are
      // checked below; here: who creates or overwrites objects.
      const writes = statementsOfRole(roleOf(id)).filter((s) =>
        actionsOf(s).some((a) => /^s3:(Put|Abort)/.test(a)),
      );
      const prefixes = writers[id];
      if (prefixes) {
        expect(writes.length).toBeGreaterThan(0);
        const written = new Set<string>();
        for (const write of writes) {
          expect(actionsOf(write).every((a) => ['s3:PutObject', 's3:AbortMultipartUpload'].includes(a))).toBe(
            true,
          );
          // One resource, or several when statements with the same actions are merged (minimizePolicies).
          const objects = Array.isArray(write.Resource) ? write.Resource : [write.Resource];
          for (const object of objects) {
            const prefix = prefixes.find(
              (p) => JSON.stringify(object) === JSON.stringify({ 'Fn::Join': ['', [arnOf(ids.bucket), p]] }),
            );
            expect({ id, object, allowed: prefix !== undefined }).toEqual({ id, object, allowed: true });
            written.add(prefix as string);
          }
        }
        expect([...written].sort()).toEqual([...prefixes].sort());
      } else {
        expect({ id, writes }).toEqual({ id, writes: [] });
      }
    }
  });

  test('only erasure and the training callback delete objects, every version, under the prefixes they erase', () => {
    const deleters: Record<string, string[]> = {
      [logicalIdOf(stack.erasure.eraseSubjectData)]: [
        '/subjects/*',
        '/tenants/*',
        '/training/*',
        '/async-inference/*',
        '/adapters/*',
        '/models/*',
        '/avatars/*',
        '/quarantine/*',
      ],
      [logicalIdOf(stack.training.trainingCallback)]: ['/adapters/*', '/async-inference/*'],
    };
    for (const id of Object.values(functions)) {
      const deletes = statementsOfRole(roleOf(id)).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('s3:Delete')),
      );
      const prefixes = deleters[id] ?? [];
      const deleted = new Set<string>();
      for (const statement of deletes) {
        // Statements on the same objects are merged (minimizePolicies): a reader of them may carry GetObject too.
        const actions = actionsOf(statement).sort();
        expect(actions.filter((a) => a.startsWith('s3:Delete'))).toEqual([
          's3:DeleteObject',
          's3:DeleteObjectVersion',
        ]);
        expect(actions.filter((a) => !a.startsWith('s3:Delete') && a !== 's3:GetObject')).toEqual([]);
        for (const object of Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]) {
          const prefix = prefixes.find(
            (p) => JSON.stringify(object) === JSON.stringify({ 'Fn::Join': ['', [arnOf(ids.bucket), p]] }),
          );
          expect({ id, object, allowed: prefix !== undefined }).toEqual({ id, object, allowed: true });
          deleted.add(prefix as string);
        }
      }
      expect({ id, deleted: [...deleted].sort() }).toEqual({ id, deleted: [...prefixes].sort() });
    }
  });

  test('the training callback may only answer tasks of the training state machine', () => {
    const statements = statementsOfRole(roleOf(logicalIdOf(stack.training.trainingCallback)));
    const states = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('states:')));
    expect(states.flatMap(actionsOf).sort()).toEqual([
      'states:SendTaskFailure',
      'states:SendTaskHeartbeat',
      'states:SendTaskSuccess',
    ]);
    for (const statement of states) expect(statement.Resource).toEqual({ Ref: ids.stateMachine });
    const others = statements
      .flatMap(actionsOf)
      .filter(
        (a) =>
          !a.startsWith('states:') &&
          !a.startsWith('xray:') &&
          !a.startsWith('logs:') &&
          !a.startsWith('kms:'),
      );
    // Beyond answering: the token row (claim, plan, digest), the tombstone, the response and adapter it checks,
    // and deleting an erased subject's late results (issue 11).
    expect([...new Set(others)].sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:GetObject',
      's3:ListBucket',
      's3:ListBucketVersions',
    ]);
  });

  test('context overrides the validation settings', () => {
    const custom = synthesizePipeline({ minPhotos: '8', maxPhotos: 12, stackName: 'Custom' });
    const id = custom.stack.getLogicalId(custom.stack.training.validateImages.node.defaultChild as never);
    expect(custom.resources[id]?.Properties?.Environment).toMatchObject({
      Variables: { MIN_PHOTOS: '8', MAX_PHOTOS: '12' },
    });
  });
});

describe('notification', () => {
  test('forwards every pipeline event on the pipeline bus to an encrypted, TLS-only topic', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'avatar-pipeline' });
    const topicId = logicalIdOfType(resources, 'AWS::SNS::Topic', 'NotificationTopic');
    const keyRef = resources[topicId]?.Properties?.KmsMasterKeyId as { 'Fn::GetAtt': [string] };
    const keyId = keyRef['Fn::GetAtt'][0];
    expect(resources[keyId]?.Properties).toMatchObject({ EnableKeyRotation: true });
    expect(JSON.stringify(resources[keyId]?.Properties?.KeyPolicy)).toContain('events.amazonaws.com');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: ids.bus },
      EventPattern: { source: ['avatar-pipeline'] },
      Targets: [Match.objectLike({ Arn: { Ref: topicId } })],
    });
    // Issue 11, item 8: a notice without the detail, so no prompt, key or link reaches the topic's readers.
    const forward = Object.values(resources).find(
      (r) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties?.Targets).includes(topicId),
    );
    const transformer = (
      (forward?.Properties?.Targets ?? []) as { InputTransformer?: Record<string, unknown> }[]
    )[0]?.InputTransformer as { InputPathsMap: Record<string, string>; InputTemplate: string };
    expect(Object.values(transformer.InputPathsMap).sort()).toEqual([
      '$.detail-type',
      '$.detail.subjectId',
      '$.detail.tenantId',
      '$.time',
    ]);
    expect(transformer.InputTemplate).not.toMatch(/<detail>|\$\.detail[^.]/);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    // No address subscribed unless notificationEmail says so (the training topics' subscriptions are other topics').
    expect(
      Object.values(resources).filter(
        (r) =>
          r.Type === 'AWS::SNS::Subscription' &&
          JSON.stringify(r.Properties?.TopicArn) === JSON.stringify({ Ref: topicId }),
      ),
    ).toEqual([]);
  });

  test('notificationEmail subscribes an address', () => {
    const withEmail = synthesizePipeline({ notificationEmail: 'ops@example.com' });
    withEmail.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});
