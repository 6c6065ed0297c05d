import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App, CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { InvalidConfigurationError } from '../../../infra/config.js';
import {
  acknowledgeExecutionRoleWildcards,
  containerImage,
  sagemakerExecutionRole,
} from '../../../infra/constructs/sagemaker-container.js';
import { createPipelineApp } from '../../../infra/pipeline-app.js';
import {
  allows,
  PREBUILT_IMAGES,
  propertiesOf,
  type Resources,
  statementsOfRole,
  synthesizePipeline,
} from './synthesized-pipeline.js';

const { stack, template, resources } = synthesizePipeline(PREBUILT_IMAGES);
const host = stack.trainingHost;
const logicalId = (construct: IConstruct) =>
  stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);

const ids = {
  bucket: logicalId(stack.photos.bucket),
  model: stack.getLogicalId(host.model),
  endpointConfig: stack.getLogicalId(host.endpointConfig),
  endpoint: stack.getLogicalId(host.endpoint),
  role: logicalId(host.executionRole),
  successTopic: logicalId(host.successTopic),
  errorTopic: logicalId(host.errorTopic),
  key: logicalId(host.key),
  scalableTarget: logicalId(host.scalableTarget),
  alarm: logicalId(host.backlogWithoutCapacityAlarm),
};
const bucketObject = (key: string) => `arn:${ids.bucket}/${key}`;

function variantOf(res: Resources, endpointConfigId: string): Record<string, unknown> {
  return (propertiesOf(res, endpointConfigId).ProductionVariants as Record<string, unknown>[])[0] ?? {};
}

describe('training endpoint (asynchronous inference)', () => {
  test('has a fixed name, exposed with its ARN and variant', () => {
    expect(resources[ids.endpoint]?.Properties).toEqual({
      EndpointName: 'AvatarPipeline-training',
      EndpointConfigName: { 'Fn::GetAtt': [ids.endpointConfig, 'EndpointConfigName'] },
    });
    expect(stack.resolve(host.endpointArn)).toEqual({ Ref: ids.endpoint });
    expect(host.endpointName).toBe('AvatarPipeline-training');
    expect(host.variantName).toBe('AllTraffic');
    expect(host.inputPrefix).toBe('training/');
    expect(host.adapterPrefix).toBe('adapters/');
  });

  test('notifies both topics, writes output and failures under async-inference/ encrypted, one invocation per instance', () => {
    const s3Url = (prefix: string) => ({ 'Fn::Join': ['', ['s3://', { Ref: ids.bucket }, `/${prefix}`]] });
    expect(propertiesOf(resources, ids.endpointConfig).AsyncInferenceConfig).toEqual({
      ClientConfig: { MaxConcurrentInvocationsPerInstance: 1 },
      OutputConfig: {
        S3OutputPath: s3Url('async-inference/output/'),
        S3FailurePath: s3Url('async-inference/failures/'),
        KmsKeyId: { 'Fn::GetAtt': [ids.key, 'Arn'] },
        NotificationConfig: { SuccessTopic: { Ref: ids.successTopic }, ErrorTopic: { Ref: ids.errorTopic } },
      },
    });
  });

  test('runs one ml.g5.xlarge to start with and gives the container time to download the base model', () => {
    expect(variantOf(resources, ids.endpointConfig)).toEqual({
      VariantName: 'AllTraffic',
      ModelName: { 'Fn::GetAtt': [ids.model, 'ModelName'] },
      InstanceType: 'ml.g5.xlarge',
      InitialInstanceCount: 1,
      ContainerStartupHealthCheckTimeoutInSeconds: 1200,
    });
  });

  test('encrypts the volume with the key only on instance types without local NVMe storage (SageMaker refuses it there)', () => {
    expect(propertiesOf(resources, ids.endpointConfig).KmsKeyId).toBeUndefined();
    const p3 = synthesizePipeline({ ...PREBUILT_IMAGES, trainingInstanceType: 'ml.p3.2xlarge' });
    const configId = p3.stack.getLogicalId(p3.stack.trainingHost.endpointConfig);
    expect(propertiesOf(p3.resources, configId).KmsKeyId).toEqual({
      'Fn::GetAtt': [p3.stack.getLogicalId(p3.stack.trainingHost.key.node.defaultChild as never), 'Arn'],
    });
    expect(variantOf(p3.resources, configId).InstanceType).toBe('ml.p3.2xlarge');
  });

  test('the model runs the training image with the base model, the bucket and its prefixes in the environment', () => {
    expect(propertiesOf(resources, ids.model)).toEqual({
      ExecutionRoleArn: { 'Fn::GetAtt': [ids.role, 'Arn'] },
      // The isolated network (isolated-network.test.ts).
      VpcConfig: { Subnets: expect.any(Array), SecurityGroupIds: [expect.anything()] },
      PrimaryContainer: {
        Image: PREBUILT_IMAGES.trainingImageUri,
        Environment: {
          BASE_MODEL: 'stabilityai/stable-diffusion-2-1-base',
          BASE_MODEL_DIR: '/opt/avatar/base-model',
          AWS_DEFAULT_REGION: { Ref: 'AWS::Region' },
          PHOTO_BUCKET: { Ref: ids.bucket },
          TRAINING_PREFIX: 'training/',
          ADAPTERS_PREFIX: 'adapters/',
          INVOCATION_TIMEOUT_SECONDS: '3600',
        },
      },
    });
  });

  test('both topics are encrypted with the key, refuse requests without TLS, and the key rotates', () => {
    for (const topic of [ids.successTopic, ids.errorTopic]) {
      expect(resources[topic]?.Properties?.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [ids.key, 'Arn'] });
      const policy = Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::SNS::TopicPolicy' &&
          JSON.stringify(r.Properties?.Topics) === JSON.stringify([{ Ref: topic }]),
      );
      expect(JSON.stringify(policy?.Properties?.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
    expect(resources[ids.key]?.Properties).toMatchObject({ EnableKeyRotation: true });
  });
});

describe('scale to zero', () => {
  test('the variant scales between 0 and trainingConcurrency instances (default 1)', () => {
    expect(resources[ids.scalableTarget]?.Properties).toMatchObject({
      ServiceNamespace: 'sagemaker',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      ResourceId: {
        'Fn::Join': [
          '',
          ['endpoint/', { 'Fn::GetAtt': [ids.endpoint, 'EndpointName'] }, '/variant/AllTraffic'],
        ],
      },
      MinCapacity: 0,
      MaxCapacity: 1,
    });
    const wider = synthesizePipeline({ ...PREBUILT_IMAGES, trainingConcurrency: '3' });
    const targetId = wider.stack.getLogicalId(
      wider.stack.trainingHost.scalableTarget.node.defaultChild as never,
    );
    expect(wider.resources[targetId]?.Properties).toMatchObject({ MinCapacity: 0, MaxCapacity: 3 });
  });

  test('a request waiting at zero instances (HasBacklogWithoutCapacity >= 1) adds one instance', () => {
    const alarm = propertiesOf(resources, ids.alarm);
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SageMaker',
      MetricName: 'HasBacklogWithoutCapacity',
      Dimensions: [{ Name: 'EndpointName', Value: 'AvatarPipeline-training' }],
      Statistic: 'Average',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const [action] = alarm.AlarmActions as { Ref: string }[];
    expect(resources[action?.Ref ?? '']).toMatchObject({
      Type: 'AWS::ApplicationAutoScaling::ScalingPolicy',
      Properties: {
        PolicyType: 'StepScaling',
        ScalingTargetId: { Ref: ids.scalableTarget },
        StepScalingPolicyConfiguration: {
          AdjustmentType: 'ChangeInCapacity',
          StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
        },
      },
    });
  });

  test('target tracking keeps one queued or running request per instance, in and out', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      ScalingTargetId: { Ref: ids.scalableTarget },
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 1,
        CustomizedMetricSpecification: {
          Namespace: 'AWS/SageMaker',
          MetricName: 'ApproximateBacklogSizePerInstance',
          Dimensions: [{ Name: 'EndpointName', Value: 'AvatarPipeline-training' }],
          Statistic: 'Average',
        },
      },
    });
    const tracking = Object.values(resources).filter(
      (r) => r.Type === 'AWS::ApplicationAutoScaling::ScalingPolicy',
    );
    expect(tracking).toHaveLength(2);
    // Scale-in is not disabled: the endpoint goes back to zero.
    expect(JSON.stringify(tracking)).not.toContain('DisableScaleIn');
  });
});

describe('training execution role', () => {
  const statements = statementsOfRole(resources, ids.role);

  test('reads training sets and requests, and nothing else of the bucket: not the raw photos', () => {
    expect(allows(statements, 's3:GetObject', bucketObject('training/ada/is-1/request.json'))).toBe(true);
    for (const key of [
      'subjects/ada/1.jpg',
      'models/ada/v1.tar.gz',
      'adapters/ada/x',
      'async-inference/output/x',
    ])
      expect(allows(statements, 's3:GetObject', bucketObject(key))).toBe(false);
  });

  test('writes adapters and async inference results, never models/ nor training sets', () => {
    expect(allows(statements, 's3:PutObject', bucketObject('adapters/ada/v1.tar.gz'))).toBe(true);
    expect(allows(statements, 's3:PutObject', bucketObject('async-inference/output/x.out'))).toBe(true);
    for (const key of ['models/ada/v1.tar.gz', 'training/ada/x', 'subjects/ada/1.jpg'])
      expect(allows(statements, 's3:PutObject', bucketObject(key))).toBe(false);
    expect(statements.flatMap((s) => s.Action).filter((a) => /^s3:Delete/.test(a as string))).toEqual([]);
  });

  test('publishes to its two topics only and uses its own key', () => {
    const sns = statements.filter((s) => JSON.stringify(s.Action).includes('sns:'));
    expect(sns).toEqual([
      expect.objectContaining({
        Action: 'sns:Publish',
        Resource: expect.arrayContaining([{ Ref: ids.successTopic }, { Ref: ids.errorTopic }]),
      }),
    ]);
    for (const s of statements.filter((st) => JSON.stringify(st.Action).includes('kms:')))
      expect(s.Resource).toEqual({ 'Fn::GetAtt': [ids.key, 'Arn'] });
  });

  test('pulls its image, writes its own log group and SageMaker metrics, and has no managed policy', () => {
    expect(
      allows(
        statements,
        'ecr:BatchGetImage',
        'arn:aws:ecr:eu-west-1:123456789012:repository/avatar-training',
      ),
    ).toBe(true);
    expect(
      allows(statements, 'ecr:BatchGetImage', 'arn:aws:ecr:eu-west-1:123456789012:repository/other'),
    ).toBe(false);
    const logGroup =
      'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/sagemaker/Endpoints/AvatarPipeline-training';
    expect(allows(statements, 'logs:PutLogEvents', `${logGroup}:log-stream:i-1`)).toBe(true);
    expect(
      allows(
        statements,
        'logs:PutLogEvents',
        'arn:aws:logs:eu-west-1:123456789012:log-group:/other:log-stream:x',
      ),
    ).toBe(false);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'cloudwatch:PutMetricData',
        Condition: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*', 'AWS/SageMaker'] } },
      }),
    );
    expect(resources[ids.role]?.Properties?.ManagedPolicyArns).toBeUndefined();
    expect(JSON.stringify(resources[ids.role]?.Properties?.AssumeRolePolicyDocument)).toContain(
      'sagemaker.amazonaws.com',
    );
  });

  test('an s3:// base model may be read (that prefix only) by both endpoints, and both get the same BASE_MODEL', () => {
    const baseModel = 's3://models-bucket/pipelines/sd21-base/';
    const s3 = synthesizePipeline({ ...PREBUILT_IMAGES, baseModel });
    for (const endpoint of [s3.stack.trainingHost, s3.stack.hosting]) {
      const roleId = s3.stack.getLogicalId(endpoint.executionRole.node.defaultChild as never);
      const st = statementsOfRole(s3.resources, roleId);
      expect(
        allows(st, 's3:GetObject', 'arn:aws:s3:::models-bucket/pipelines/sd21-base/unet/model.safetensors'),
      ).toBe(true);
      expect(allows(st, 's3:GetObject', 'arn:aws:s3:::models-bucket/other/x')).toBe(false);
      const modelProperties = propertiesOf(s3.resources, s3.stack.getLogicalId(endpoint.model));
      expect(modelProperties.PrimaryContainer).toMatchObject({ Environment: { BASE_MODEL: baseModel } });
    }
  });
});

describe('grants', () => {
  test('grantInvokeAsync allows InvokeEndpointAsync on this endpoint only; grantReadOutput reads async-inference/', () => {
    const { stack: s } = createPipelineApp({ bundling: false, context: PREBUILT_IMAGES });
    const caller = new Role(s, 'Caller', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    s.trainingHost.grantInvokeAsync(caller);
    s.trainingHost.grantReadOutput(caller);
    // Synthesizes the app, so cdk-nag checks the added grants too.
    const res = Template.fromStack(s).toJSON().Resources as Resources;
    const st = statementsOfRole(res, s.getLogicalId(caller.node.defaultChild as never));
    const endpointId = s.getLogicalId(s.trainingHost.endpoint);
    expect(st).toContainEqual(
      expect.objectContaining({ Action: 'sagemaker:InvokeEndpointAsync', Resource: { Ref: endpointId } }),
    );
    expect(JSON.stringify(st)).not.toContain('sagemaker:InvokeEndpoint"');
    const bucketId = s.getLogicalId(s.photos.bucket.node.defaultChild as never);
    expect(allows(st, 's3:GetObject', `arn:${bucketId}/async-inference/output/x.out`)).toBe(true);
    expect(allows(st, 's3:GetObject', `arn:${bucketId}/subjects/ada/1.jpg`)).toBe(false);
    expect(
      allows(st, 'kms:Decrypt', `arn:${s.getLogicalId(s.trainingHost.key.node.defaultChild as never)}`),
    ).toBe(true);
  });
});

describe('images', () => {
  test('without a prebuilt image, the folder is a Docker image asset (linux/amd64) the role may pull', () => {
    const folder = mkdtempSync(join(tmpdir(), 'avatar-image-'));
    try {
      writeFileSync(join(folder, 'Dockerfile'), 'FROM scratch\n');
      const { stack: s } = createPipelineApp({ bundling: false, context: PREBUILT_IMAGES });
      const role = sagemakerExecutionRole(s, 'Probe', 'probe-endpoint', 'A role as the endpoints make them');
      const image = containerImage(
        s,
        'Built',
        { directory: folder, file: 'Dockerfile', imageUri: undefined, contextKey: 'trainingImageUri' },
        role,
      );
      acknowledgeExecutionRoleWildcards(role, 'probe-endpoint');
      expect(JSON.stringify(s.resolve(image))).toMatch(/container-assets-.*:[0-9a-f]{64}/);
      const asset = s.node.findChild('Built') as DockerImageAsset;
      expect(asset).toBeInstanceOf(DockerImageAsset);
      const res = Template.fromStack(s).toJSON().Resources as Resources;
      const st = statementsOfRole(res, s.getLogicalId(role.node.defaultChild as CfnElement));
      expect(st).toContainEqual(
        expect.objectContaining({
          Action: expect.arrayContaining(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']),
        }),
      );
      // The asset manifest tells cdk deploy how to build it.
      const { directory } = (s.node.root as App).synth();
      const manifests = readdirSync(directory).filter((f) => f.endsWith('.assets.json'));
      const dockerImages = manifests.flatMap((f) =>
        Object.values(
          (JSON.parse(readFileSync(join(directory, f), 'utf8')) as { dockerImages?: Record<string, unknown> })
            .dockerImages ?? {},
        ),
      );
      expect(dockerImages).toEqual([
        expect.objectContaining({ source: expect.objectContaining({ platform: 'linux/amd64' }) }),
      ]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('without a Dockerfile and without a prebuilt image, synth reports an error naming the context key', () => {
    const { stack: s } = createPipelineApp({ bundling: false, context: PREBUILT_IMAGES });
    const role = new Role(s, 'Probe', { assumedBy: new ServicePrincipal('sagemaker.amazonaws.com') });
    const image = containerImage(
      s,
      'Missing',
      {
        directory: 'sagemaker/nowhere',
        file: 'Dockerfile',
        imageUri: undefined,
        contextKey: 'trainingImageUri',
      },
      role,
    );
    expect(image).toBe('missing-dockerfile:sagemaker/nowhere/Dockerfile');
    Annotations.fromStack(s).hasError(
      '/AvatarPipeline',
      Match.stringLikeRegexp('sagemaker/nowhere/Dockerfile not found.*"trainingImageUri"'),
    );
  });
});

describe('the sagemaker/ images', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const haveDockerfiles = ['training', 'serving'].every((d) =>
    existsSync(join(root, 'sagemaker', d, 'Dockerfile')),
  );

  // Until both Dockerfiles exist the default stack carries an error annotation instead (see 'images' above).
  (haveDockerfiles ? test : test.skip)(
    'the default stack builds training/Dockerfile and serving/Dockerfile in the sagemaker/ context as linux/amd64 image assets, offline',
    () => {
      const started = Date.now();
      const { app, stack: s } = createPipelineApp({ bundling: false });
      const { directory } = app.synth();
      console.info(`synth with the two image assets staged took ${Date.now() - started} ms`);
      Annotations.fromStack(s).hasNoError('*', Match.anyValue());
      const sources = readdirSync(directory)
        .filter((f) => f.endsWith('.assets.json'))
        .flatMap((f) =>
          Object.values(
            (
              JSON.parse(readFileSync(join(directory, f), 'utf8')) as {
                dockerImages?: Record<
                  string,
                  { source: { directory: string; dockerFile?: string; platform?: string } }
                >;
              }
            ).dockerImages ?? {},
          ),
        )
        .map((image) => image.source);
      expect(sources.map((source) => source.dockerFile).sort()).toEqual([
        'serving/Dockerfile',
        'training/Dockerfile',
      ]);
      for (const source of sources) expect(source.platform).toBe('linux/amd64');
      // Both built in the sagemaker/ context (the images share code), staged without tests.
      for (const source of sources) {
        const staged = join(directory, source.directory);
        expect(existsSync(join(staged, 'training', 'src'))).toBe(true);
        expect(existsSync(join(staged, 'serving', 'model_template', 'config.pbtxt'))).toBe(true);
        // The serving code the serving Dockerfile bakes into Triton's backends folder; none in the template.
        expect(existsSync(join(staged, 'serving', 'backends', 'avatar_lora', 'model.py'))).toBe(true);
        expect(existsSync(join(staged, 'serving', 'model_template', 'model.py'))).toBe(false);
        expect(existsSync(join(staged, 'model-package-layout.json'))).toBe(true);
        expect(existsSync(join(staged, 'training', 'tests'))).toBe(false);
      }
      const res = Template.fromStack(s).toJSON().Resources as Resources;
      for (const model of [s.trainingHost.model, s.hosting.model]) {
        const image = JSON.stringify(
          (propertiesOf(res, s.getLogicalId(model)).PrimaryContainer as { Image: unknown }).Image,
        );
        expect(image).toMatch(/container-assets-.*:[0-9a-f]{64}/);
      }
    },
  );
});

describe('context', () => {
  test.each([
    ['trainingConcurrency', '0', /"trainingConcurrency"="0" must be an integer >= 1/],
    ['trainingConcurrency', 'two', /"trainingConcurrency"/],
    ['trainingInstanceType', 'g5.xlarge', /"trainingInstanceType"="g5.xlarge" must be a GPU instance type/],
    ['trainingInstanceType', 'ml.m5.xlarge', /"trainingInstanceType"/],
    ['servingInstanceType', 'ml.c5.2xlarge', /"servingInstanceType".*GPU multi-model endpoints need one/],
    ['servingInstanceCount', 0, /"servingInstanceCount"/],
    [
      'trainingInvocationTimeoutSeconds',
      3601,
      /"trainingInvocationTimeoutSeconds"=3601 must be an integer from 1 to 3600/,
    ],
    [
      'trainingTimeoutSeconds',
      1800,
      /trainingTimeoutSeconds \(1800\) is below trainingInvocationTimeoutSeconds \(3600\)/,
    ],
    ['baseModel', 'stable diffusion', /"baseModel".*Hugging Face model id/],
    ['trainingImageUri', 'docker.io/library/python:3.12', /"trainingImageUri".*ECR image URI/],
    ['servingImageUri', 'nvcr.io/nvidia/tritonserver:24.01-py3', /"servingImageUri".*ECR image URI/],
  ])('%s=%p is refused with the key named', (key, value, message) => {
    const attempt = () =>
      createPipelineApp({ bundling: false, context: { ...PREBUILT_IMAGES, [key]: value } });
    expect(attempt).toThrow(InvalidConfigurationError);
    expect(attempt).toThrow(message);
  });

  test('the defaults', () => {
    expect(stack.config).toMatchObject({
      baseModel: 'stabilityai/stable-diffusion-2-1-base',
      trainingInstanceType: 'ml.g5.xlarge',
      trainingConcurrency: 1,
      trainingInvocationTimeoutSeconds: 3600,
      trainingTimeoutSeconds: 7200,
      servingInstanceType: 'ml.g5.2xlarge',
      servingInstanceCount: 1,
    });
  });
});
