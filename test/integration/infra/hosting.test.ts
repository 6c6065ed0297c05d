import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { createPipelineApp } from '../../../infra/pipeline-app.js';
import {
  allows,
  PREBUILT_IMAGES,
  propertiesOf,
  type Resources,
  statementsOfRole,
  synthesizePipeline,
} from './synthesized-pipeline.js';

const { stack, resources } = synthesizePipeline(PREBUILT_IMAGES);
const hosting = stack.hosting;
const logicalId = (construct: IConstruct) =>
  stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);

const ids = {
  bucket: logicalId(stack.photos.bucket),
  model: logicalId(hosting.model),
  endpointConfig: logicalId(hosting.endpointConfig),
  endpoint: logicalId(hosting.endpoint),
  role: logicalId(hosting.executionRole),
  registry: logicalId(hosting.registry),
  trainingModel: logicalId(stack.trainingHost.model),
};
const bucketObject = (key: string) => `arn:${ids.bucket}/${key}`;
const environmentOf = (res: Resources, modelId: string) =>
  (propertiesOf(res, modelId).PrimaryContainer as { Environment: Record<string, unknown> }).Environment;

describe('multi-model endpoint', () => {
  test('the model is a MultiModel container whose ModelDataUrl is the models/ prefix of the photos bucket', () => {
    expect(propertiesOf(resources, ids.model)).toEqual({
      ExecutionRoleArn: { 'Fn::GetAtt': [ids.role, 'Arn'] },
      // The isolated network (isolated-network.test.ts).
      VpcConfig: { Subnets: expect.any(Array), SecurityGroupIds: [expect.anything()] },
      PrimaryContainer: {
        Image: PREBUILT_IMAGES.servingImageUri,
        Mode: 'MultiModel',
        ModelDataUrl: { 'Fn::Join': ['', ['s3://', { Ref: ids.bucket }, '/models/']] },
        Environment: {
          BASE_MODEL: 'stabilityai/stable-diffusion-2-1-base',
          BASE_MODEL_DIR: '/opt/avatar/base-model',
          AWS_DEFAULT_REGION: { Ref: 'AWS::Region' },
        },
      },
    });
    expect(hosting.modelsPrefix).toBe('models/');
  });

  test('serves on the same base model as training, following the baseModel context', () => {
    expect(environmentOf(resources, ids.model).BASE_MODEL).toBe(
      environmentOf(resources, ids.trainingModel).BASE_MODEL,
    );
    const custom = synthesizePipeline({ ...PREBUILT_IMAGES, baseModel: 'stabilityai/stable-diffusion-2-1' });
    for (const model of [custom.stack.hosting.model, custom.stack.trainingHost.model]) {
      expect(environmentOf(custom.resources, custom.stack.getLogicalId(model)).BASE_MODEL).toBe(
        'stabilityai/stable-diffusion-2-1',
      );
    }
  });

  test('runs servingInstanceCount ml.g5.2xlarge instances behind a fixed name', () => {
    expect(propertiesOf(resources, ids.endpointConfig)).toEqual({
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: { 'Fn::GetAtt': [ids.model, 'ModelName'] },
          InstanceType: 'ml.g5.2xlarge',
          InitialInstanceCount: 1,
        },
      ],
    });
    expect(resources[ids.endpoint]?.Properties).toMatchObject({ EndpointName: 'AvatarPipeline-avatars' });
    expect(stack.resolve(hosting.endpointArn)).toEqual({ Ref: ids.endpoint });
    const two = synthesizePipeline({
      ...PREBUILT_IMAGES,
      servingInstanceCount: '2',
      servingInstanceType: 'ml.g6.2xlarge',
    });
    expect(
      propertiesOf(two.resources, two.stack.getLogicalId(two.stack.hosting.endpointConfig))
        .ProductionVariants,
    ).toEqual([expect.objectContaining({ InstanceType: 'ml.g6.2xlarge', InitialInstanceCount: 2 })]);
  });

  test('an instance type without local storage gets a volume key', () => {
    const p3 = synthesizePipeline({ ...PREBUILT_IMAGES, servingInstanceType: 'ml.p3.2xlarge' });
    const config = propertiesOf(p3.resources, p3.stack.getLogicalId(p3.stack.hosting.endpointConfig));
    const keyId = (config.KmsKeyId as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    expect(p3.resources[keyId]).toMatchObject({
      Type: 'AWS::KMS::Key',
      Properties: { EnableKeyRotation: true },
    });
    expect(propertiesOf(resources, ids.endpointConfig).KmsKeyId).toBeUndefined();
  });

  test('is always on: no scaling target names it', () => {
    expect(
      JSON.stringify(
        Object.values(resources).filter((r) => r.Type.startsWith('AWS::ApplicationAutoScaling')),
      ),
    ).not.toContain(ids.endpoint);
  });
});

describe('multi-model endpoint execution role', () => {
  const statements = statementsOfRole(resources, ids.role);

  test('reads models/ and nothing else of the bucket', () => {
    expect(allows(statements, 's3:GetObject', bucketObject('models/ada/v1.tar.gz'))).toBe(true);
    expect(allows(statements, 's3:ListBucket', `arn:${ids.bucket}`)).toBe(true);
    expect(statements.find((s) => s.Action === 's3:ListBucket')?.Condition).toEqual({
      StringLike: { 's3:prefix': ['models/*'] },
    });
    for (const key of ['subjects/ada/1.jpg', 'training/ada/x', 'adapters/ada/x', 'async-inference/output/x'])
      expect(allows(statements, 's3:GetObject', bucketObject(key))).toBe(false);
  });

  test('writes nothing to S3, pulls only its image, and has no managed policy', () => {
    expect(statements.flatMap((s) => s.Action).filter((a) => /^s3:(Put|Delete)/.test(a as string))).toEqual(
      [],
    );
    expect(
      allows(statements, 'ecr:BatchGetImage', 'arn:aws:ecr:eu-west-1:123456789012:repository/avatar-serving'),
    ).toBe(true);
    expect(
      allows(
        statements,
        'ecr:BatchGetImage',
        'arn:aws:ecr:eu-west-1:123456789012:repository/avatar-training',
      ),
    ).toBe(false);
    expect(resources[ids.role]?.Properties?.ManagedPolicyArns).toBeUndefined();
  });
});

describe('model registry', () => {
  test('is keyed by tenant-scoped subject (subjectKey = tenant#subject) and modelVersion, on demand, encrypted, recoverable and retained', () => {
    expect(resources[ids.registry]).toMatchObject({
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'subjectKey', KeyType: 'HASH' },
          { AttributeName: 'modelVersion', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'subjectKey', AttributeType: 'S' },
          { AttributeName: 'modelVersion', AttributeType: 'S' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
  });

  test('retainData=false deletes it with the stack', () => {
    const dev = synthesizePipeline({ ...PREBUILT_IMAGES, retainData: 'false' });
    expect(
      dev.resources[dev.stack.getLogicalId(dev.stack.hosting.registry.node.defaultChild as CfnElement)]
        ?.DeletionPolicy,
    ).toBe('Delete');
  });
});

describe('grants', () => {
  test('grantInvoke allows InvokeEndpoint on this endpoint; grantPublishModel reads adapters/ and writes models/', () => {
    const { stack: s } = createPipelineApp({ bundling: false, context: PREBUILT_IMAGES });
    const invoker = new Role(s, 'Invoker', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    const publisher = new Role(s, 'Publisher', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    s.hosting.grantInvoke(invoker);
    s.hosting.grantPublishModel(publisher);
    // Synthesizes the app, so cdk-nag checks the added grants too.
    const res = Template.fromStack(s).toJSON().Resources as Resources;
    const bucket = `arn:${s.getLogicalId(s.photos.bucket.node.defaultChild as CfnElement)}`;

    const invokes = statementsOfRole(res, s.getLogicalId(invoker.node.defaultChild as CfnElement));
    expect(invokes).toEqual([
      expect.objectContaining({
        Action: 'sagemaker:InvokeEndpoint',
        Resource: { Ref: s.getLogicalId(s.hosting.endpoint) },
      }),
    ]);

    const publishes = statementsOfRole(res, s.getLogicalId(publisher.node.defaultChild as CfnElement));
    expect(allows(publishes, 's3:GetObject', `${bucket}/adapters/ada/v1/adapter.tar.gz`)).toBe(true);
    expect(allows(publishes, 's3:PutObject', `${bucket}/models/ada/v1.tar.gz`)).toBe(true);
    expect(allows(publishes, 's3:PutObject', `${bucket}/adapters/ada/x`)).toBe(false);
    expect(allows(publishes, 's3:GetObject', `${bucket}/subjects/ada/1.jpg`)).toBe(false);
    expect(allows(publishes, 's3:GetObject', `${bucket}/models/ada/v1.tar.gz`)).toBe(false);
  });
});
