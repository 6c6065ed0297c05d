/**
 * Issue 11, encryption with keys the deployer controls: customer-managed keys with rotation for the photo bucket
 * (bucket keys), the tables, the queues and every log group, and key and topic policies that admit AWS services
 * only with confused-deputy conditions.
 */
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import {
  type PolicyStatementJson,
  propertiesOf,
  type Resources,
  statementsOfRole,
  synthesizePipeline,
} from './synthesized-pipeline.js';

const { stack, resources } = synthesizePipeline();
const logicalId = (construct: IConstruct) =>
  stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
const keyArn = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });
const ofType = (res: Resources, type: string) =>
  Object.entries(res).filter(([, r]) => r.Type === type) as [string, NonNullable<Resources[string]>][];
const keyPolicyOf = (key: IConstruct) =>
  (
    propertiesOf(resources, logicalId(key)).KeyPolicy as {
      Statement: (PolicyStatementJson & { Principal: unknown })[];
    }
  ).Statement;

describe('keys', () => {
  test('three customer-managed keys, one per data class, each rotating', () => {
    // Prepare, Act
    const keys = ofType(resources, 'AWS::KMS::Key');

    // Assess
    expect(keys.map(([id]) => id).sort()).toEqual(
      [stack.keys.data, stack.keys.logs, stack.keys.messages].map(logicalId).sort(),
    );
    for (const [, key] of keys) expect(key.Properties).toMatchObject({ EnableKeyRotation: true });
    expect(keys.map(([, k]) => k.DeletionPolicy)).toEqual(['Retain', 'Retain', 'Retain']);
  });

  test('no key policy admits a principal "*", and every service principal comes with a condition or a reason', () => {
    // Prepare
    const policies = {
      data: keyPolicyOf(stack.keys.data),
      logs: keyPolicyOf(stack.keys.logs),
      messages: keyPolicyOf(stack.keys.messages),
    };

    // Act
    const services = Object.fromEntries(
      Object.entries(policies).map(([name, statements]) => [
        name,
        statements.flatMap((s) => {
          const service = (s.Principal as { Service?: string | unknown }).Service;
          return service === undefined ? [] : [{ service: JSON.stringify(service), condition: s.Condition }];
        }),
      ]),
    );

    // Assess
    for (const statements of Object.values(policies)) {
      for (const s of statements) expect(JSON.stringify(s.Principal)).not.toMatch(/"AWS":"\*"|^"\*"$/);
    }
    // The data key admits no service at all: only IAM grants of our own roles.
    expect(services.data).toEqual([]);
    expect(services.logs).toEqual([
      {
        service: expect.stringContaining('logs.'),
        condition: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': {
              'Fn::Join': ['', expect.arrayContaining([':log-group:*'])],
            },
          },
        },
      },
    ]);
    expect(services.messages).toEqual(
      expect.arrayContaining([
        {
          service: '"cloudwatch.amazonaws.com"',
          condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', expect.arrayContaining([':alarm:*'])] } },
          },
        },
        // EventBridge to the dead-letter queues: the queue policies carry aws:SourceArn (see below).
        { service: '"events.amazonaws.com"', condition: undefined },
      ]),
    );
    expect(services.messages).toHaveLength(2);
  });
});

describe('what each key encrypts', () => {
  test('the photo bucket: SSE-KMS with the data key and bucket keys', () => {
    // Prepare, Act
    const encryption = propertiesOf(resources, logicalId(stack.photos.bucket)).BucketEncryption;

    // Assess
    expect(encryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn(stack.keys.data) },
          BucketKeyEnabled: true,
        },
      ],
    });
  });

  test('every DynamoDB table with the data key', () => {
    // Prepare, Act
    const tables = ofType(resources, 'AWS::DynamoDB::Table');

    // Assess
    // Ledger, training state, model registry; the HTTP API's clients, records and idempotency; webhooks; the
    // operations' daily outcomes.
    expect(tables).toHaveLength(8);
    for (const [, table] of tables) {
      expect(table.Properties?.SSESpecification).toEqual({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: keyArn(stack.keys.data),
      });
    }
  });

  test('every SQS queue with the messages key, and each admits EventBridge only for its own rule', () => {
    // Prepare
    const queues = ofType(resources, 'AWS::SQS::Queue');

    // Act
    const policies = ofType(resources, 'AWS::SQS::QueuePolicy');

    // Assess: ingest's photo events, generation's two rules, the webhooks rule, erasure's rule, the outcome
    // counter's rule; the webhooks dead-letter queue is sent to by the webhooks state machine's role, not by
    // EventBridge.
    expect(queues).toHaveLength(7);
    const webhookDeadLetters = stack.getLogicalId(stack.webhooks.deadLetters.node.defaultChild as never);
    for (const [id, queue] of queues) {
      expect(queue.Properties?.KmsMasterKeyId).toEqual(keyArn(stack.keys.messages));
      if (id === webhookDeadLetters) continue;
      const policy = policies.find(
        ([, p]) => JSON.stringify(p.Properties?.Queues) === JSON.stringify([{ Ref: id }]),
      );
      const statements = (
        (policy?.[1].Properties?.PolicyDocument ?? { Statement: [] }) as { Statement: PolicyStatementJson[] }
      ).Statement;
      const events = statements.filter((s) => JSON.stringify(s).includes('events.amazonaws.com'));
      expect(events).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [expect.any(String), 'Arn'] } } },
        }),
      ]);
    }
  });

  test('every log group with the logs key and a retention, the SageMaker endpoints’ included', () => {
    // Prepare
    const groups = ofType(resources, 'AWS::Logs::LogGroup');

    // Act
    const names = groups.map(([, g]) => g.Properties?.LogGroupName).filter(Boolean);

    // Assess: 18 functions, 2 state machines, 2 endpoints, the VPC flow logs
    expect(groups.length).toBeGreaterThanOrEqual(20);
    for (const [id, group] of groups) {
      expect({ id, key: group.Properties?.KmsKeyId }).toEqual({ id, key: keyArn(stack.keys.logs) });
      expect({ id, retention: group.Properties?.RetentionInDays }).toEqual({ id, retention: 30 });
    }
    expect(names).toEqual(
      expect.arrayContaining([
        '/aws/sagemaker/Endpoints/AvatarPipeline-training',
        '/aws/sagemaker/Endpoints/AvatarPipeline-avatars',
      ]),
    );
  });

  test('each SageMaker endpoint waits for its log group, so SageMaker never creates it unencrypted', () => {
    // Prepare, Act
    const endpoints = [
      [stack.trainingHost.endpoint, stack.trainingHost.logGroup],
      [stack.hosting.endpoint, stack.hosting.logGroup],
    ] as const;

    // Assess
    for (const [endpoint, logGroup] of endpoints) {
      const dependsOn = (resources[stack.getLogicalId(endpoint)] as { DependsOn?: string[] }).DependsOn;
      expect(dependsOn).toContain(logicalId(logGroup));
    }
  });

  test('the topics: the notification topic with the messages key, the training topics with the data key', () => {
    // Prepare, Act
    const topics = ofType(resources, 'AWS::SNS::Topic');

    // Assess
    const keyOf = (topic: IConstruct) => propertiesOf(resources, logicalId(topic)).KmsMasterKeyId;
    expect(topics).toHaveLength(3);
    expect(keyOf(stack.notification.topic)).toEqual(keyArn(stack.keys.messages));
    expect(keyOf(stack.trainingHost.successTopic)).toEqual(keyArn(stack.keys.data));
    expect(keyOf(stack.trainingHost.errorTopic)).toEqual(keyArn(stack.keys.data));
  });
});

describe('who may publish to the notification topic', () => {
  test('CloudWatch only for alarms of this account; EventBridge through a role of its own, not as a service', () => {
    // Prepare
    const topicId = logicalId(stack.notification.topic);
    const [, policy] = ofType(resources, 'AWS::SNS::TopicPolicy').find(
      ([, p]) => JSON.stringify(p.Properties?.Topics) === JSON.stringify([{ Ref: topicId }]),
    ) ?? ['', undefined];

    // Act
    const statements = (
      (policy?.Properties?.PolicyDocument ?? { Statement: [] }) as {
        Statement: (PolicyStatementJson & { Principal?: unknown })[];
      }
    ).Statement;
    const rule = ofType(resources, 'AWS::Events::Rule').find(([id]) => id.includes('ForwardPipelineEvents'));

    // Assess
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': expect.anything() },
        },
      }),
    ]);
    const target = ((rule?.[1].Properties?.Targets ?? []) as { RoleArn?: { 'Fn::GetAtt': [string] } }[])[0];
    const roleId = target?.RoleArn?.['Fn::GetAtt'][0] as string;
    expect(JSON.stringify(propertiesOf(resources, roleId).AssumeRolePolicyDocument)).toContain(
      'aws:SourceAccount',
    );
    const publishes = statementsOfRole(resources, roleId);
    expect(publishes.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort()).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey*',
      'sns:Publish',
    ]);
  });
});

describe('grants of the data key', () => {
  test('every KMS statement of a function names the data key, through S3 or DynamoDB only', () => {
    // Prepare
    const functions = ofType(resources, 'AWS::Lambda::Function').filter(
      ([, f]) => f.Metadata?.['avatar-pipeline:local-handler'],
    );

    // Act
    const kmsStatements = functions.flatMap(([, f]) => {
      const role = (f.Properties?.Role as { 'Fn::GetAtt': [string] } | undefined)?.[
        'Fn::GetAtt'
      ][0] as string;
      return statementsOfRole(resources, role).filter((s) => JSON.stringify(s.Action).includes('kms:'));
    });

    // Assess: the messages key only for publishing the daily summary to the operators' topic, through SNS
    const messages = kmsStatements.filter(
      (s) => JSON.stringify(s.Resource) === JSON.stringify(keyArn(stack.keys.messages)),
    );
    expect(messages).toHaveLength(1);
    expect(JSON.stringify(messages[0]?.Condition)).toMatch(/"kms:ViaService":\{"Fn::Join":\["",\["sns\./);
    expect(kmsStatements.length).toBeGreaterThan(10);
    for (const statement of kmsStatements.filter((s) => !messages.includes(s))) {
      expect(statement.Resource).toEqual(keyArn(stack.keys.data));
      const via = (statement.Condition as { StringEquals: Record<string, unknown> }).StringEquals[
        'kms:ViaService'
      ];
      expect(JSON.stringify(via)).toMatch(/"(s3|dynamodb)\./);
      if (JSON.stringify(via).includes('"s3.'))
        expect(statement.Condition).toMatchObject({
          StringLike: {
            'kms:EncryptionContext:aws:s3:arn': [
              { 'Fn::GetAtt': [logicalId(stack.photos.bucket), 'Arn'] },
              expect.anything(),
            ],
          },
        });
    }
  });

  test('CompileAvatars may not use the data key: it links nothing (events carry keys, issue 11)', () => {
    // Prepare
    const role = (
      propertiesOf(resources, logicalId(stack.generation.compileAvatars)).Role as {
        'Fn::GetAtt': [string];
      }
    )['Fn::GetAtt'][0];

    // Act
    const statements = statementsOfRole(resources, role);

    // Assess
    expect(statements.filter((s) => JSON.stringify(s).includes('kms:'))).toEqual([]);
  });
});
