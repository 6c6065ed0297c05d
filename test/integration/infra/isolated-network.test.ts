/**
 * Issue 11, GPU containers without internet: both SageMaker endpoints in a VPC with no route off it, an S3 gateway
 * that admits only the pipeline's buckets, interface endpoints with policies of their own; the base model from a
 * pinned copy; images by digest.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { BASE_MODEL_WARNINGS } from '../../../infra/constructs/base-model.js';
import {
  IMAGE_BY_TAG_WARNING_ID,
  VPC_ACCESS_ACTIONS,
} from '../../../infra/constructs/sagemaker-container.js';
import {
  ACCOUNT,
  type PolicyStatementJson,
  PREBUILT_IMAGES,
  propertiesOf,
  REGION,
  type Resources,
  statementsOfRole,
  synthesizePipeline,
} from './synthesized-pipeline.js';

const S3_BASE_MODEL = 's3://models-bucket/sd21-base/5ede9e4bf3e3fd1cb0ef2f7a3fff13ee514fdf06/';
const { stack, resources } = synthesizePipeline({ ...PREBUILT_IMAGES, baseModel: S3_BASE_MODEL });
const logicalId = (construct: IConstruct) =>
  stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
const ofType = (res: Resources, type: string) => Object.entries(res).filter(([, r]) => r.Type === type);
const network = stack.network as NonNullable<typeof stack.network>;
const policyOf = (endpointId: string) =>
  (propertiesOf(resources, endpointId).PolicyDocument as { Statement: PolicyStatementJson[] }).Statement;
const warningsOf = (s: typeof stack) =>
  Annotations.fromStack(s)
    .findWarning('*', Match.anyValue())
    .map((w) => String(w.entry.data));

describe('the network', () => {
  test('isolated subnets in two zones, no internet gateway, no NAT, no public subnet', () => {
    // Prepare, Act
    const subnets = ofType(resources, 'AWS::EC2::Subnet');

    // Assess
    expect(subnets).toHaveLength(2);
    for (const [, subnet] of subnets) expect(subnet.Properties?.MapPublicIpOnLaunch).toBe(false);
    for (const type of [
      'AWS::EC2::InternetGateway',
      'AWS::EC2::NatGateway',
      'AWS::EC2::EIP',
      'AWS::EC2::VPCGatewayAttachment',
    ])
      expect({ type, count: ofType(resources, type).length }).toEqual({ type, count: 0 });
    // No route but the S3 gateway's (which VPCEndpoint adds, not AWS::EC2::Route).
    expect(ofType(resources, 'AWS::EC2::Route')).toEqual([]);
  });

  test('flow logs of all traffic go to an encrypted log group, through a role only VPC flow logs of this account assume', () => {
    // Prepare
    const [[, flowLog]] = ofType(resources, 'AWS::EC2::FlowLog') as [[string, Resources[string]]];

    // Act
    const roleId = (
      flowLog?.Properties?.DeliverLogsPermissionArn as { 'Fn::GetAtt': [string] } | undefined
    )?.['Fn::GetAtt'][0] as string;

    // Assess
    expect(flowLog?.Properties).toMatchObject({ TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    expect(propertiesOf(resources, roleId).AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        expect.objectContaining({
          Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': expect.anything() },
          },
        }),
      ],
    });
  });

  test("the endpoints' security group lets nothing in and only HTTPS out", () => {
    // Prepare, Act
    const group = propertiesOf(resources, logicalId(network.securityGroup));

    // Assess
    expect(group.SecurityGroupIngress).toBeUndefined();
    expect(group.SecurityGroupEgress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }),
    ]);
    expect(ofType(resources, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          FromPort: 443,
          SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(network.securityGroup), 'GroupId'] },
        }),
      ]),
    );
  });

  test('the S3 gateway admits only the photo bucket and the base model prefix, for this account', () => {
    // Prepare
    const statements = policyOf(logicalId(network.s3Endpoint));

    // Act
    const resourcesNamed = statements.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));

    // Assess
    const bucketArn = { 'Fn::GetAtt': [logicalId(stack.photos.bucket), 'Arn'] };
    expect(resourcesNamed).toEqual(
      expect.arrayContaining([
        bucketArn,
        { 'Fn::Join': ['', [bucketArn, '/*']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::models-bucket']] },
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':s3:::models-bucket/sd21-base/5ede9e4bf3e3fd1cb0ef2f7a3fff13ee514fdf06/*',
            ],
          ],
        },
      ]),
    );
    for (const statement of statements) {
      expect(statement).toMatchObject({
        Effect: 'Allow',
        Condition: { StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } },
      });
      expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"|s3:::\*/);
    }
    // Writes only to the photo bucket (the training endpoint's adapters and outputs).
    const writes = statements.filter((s) => JSON.stringify(s.Action).includes('s3:PutObject'));
    expect(writes.map((s) => s.Resource)).toEqual([{ 'Fn::Join': ['', [bucketArn, '/*']] }]);
  });

  test('the interface endpoints are CloudWatch Logs and SNS, each admitting only our log groups or topics', () => {
    // Prepare
    const endpoints = ofType(resources, 'AWS::EC2::VPCEndpoint').filter(
      ([, e]) => e.Properties?.VpcEndpointType === 'Interface',
    );

    // Act
    const logs = policyOf(logicalId(network.logsEndpoint));
    const sns = policyOf(logicalId(network.snsEndpoint));

    // Assess
    expect(endpoints).toHaveLength(2);
    for (const [, endpoint] of endpoints) expect(endpoint.Properties?.PrivateDnsEnabled).toBe(true);
    expect(JSON.stringify(logs)).toContain('/aws/sagemaker/Endpoints/AvatarPipeline-training');
    expect(JSON.stringify(logs)).toContain('/aws/sagemaker/Endpoints/AvatarPipeline-avatars');
    expect(logs.flatMap((s) => s.Action)).not.toContain('logs:*');
    expect(sns).toEqual([
      expect.objectContaining({
        Action: 'sns:Publish',
        Resource: expect.arrayContaining([
          { Ref: logicalId(stack.trainingHost.successTopic) },
          { Ref: logicalId(stack.trainingHost.errorTopic) },
        ]),
      }),
    ]);
    expect(sns[0]?.Resource).toHaveLength(2);
  });
});

describe('the endpoints in it', () => {
  test.each([
    ['training', () => stack.trainingHost],
    ['serving', () => stack.hosting],
  ])(
    'the %s model runs in the isolated subnets, and its role may attach network interfaces from a policy of its own',
    (_name, endpointOf) => {
      // Prepare
      const endpoint = endpointOf();

      // Act
      const model = propertiesOf(resources, stack.getLogicalId(endpoint.model));
      const roleId = logicalId(endpoint.executionRole);
      const vpcPolicies = ofType(resources, 'AWS::IAM::Policy').filter(
        ([id, p]) => id.includes('VpcAccessPolicy') && JSON.stringify(p.Properties?.Roles).includes(roleId),
      );

      // Assess
      expect(model.VpcConfig).toEqual({
        Subnets: network.vpc.isolatedSubnets.map((s) => ({ Ref: logicalId(s) })),
        SecurityGroupIds: [{ 'Fn::GetAtt': [logicalId(network.securityGroup), 'GroupId'] }],
      });
      expect(vpcPolicies).toHaveLength(1);
      expect(vpcPolicies[0]?.[1].Properties?.PolicyDocument).toMatchObject({
        Statement: [{ Effect: 'Allow', Action: [...VPC_ACCESS_ACTIONS].sort(), Resource: '*' }],
      });
      // The model is created after that policy and the network's endpoints.
      const dependsOn =
        (resources[stack.getLogicalId(endpoint.model)] as { DependsOn?: string[] }).DependsOn ?? [];
      expect(dependsOn).toEqual(expect.arrayContaining([vpcPolicies[0]?.[0], logicalId(network.s3Endpoint)]));
      expect(statementsOfRole(resources, roleId).length).toBeGreaterThan(0);
    },
  );

  test('both models read the pinned s3:// base model copy, in the region of the gateway', () => {
    for (const model of [stack.trainingHost.model, stack.hosting.model]) {
      // Prepare, Act
      const environment = (
        propertiesOf(resources, stack.getLogicalId(model)).PrimaryContainer as {
          Environment: Record<string, unknown>;
        }
      ).Environment;

      // Assess
      expect(environment).toMatchObject({
        BASE_MODEL: S3_BASE_MODEL,
        AWS_DEFAULT_REGION: { Ref: 'AWS::Region' },
      });
      expect(environment.BASE_MODEL_REVISION).toBeUndefined();
    }
    expect(warningsOf(stack).filter((w) => /Hugging Face|tag/.test(w))).toEqual([]);
  });
});

describe('warnings at synth', () => {
  test('a Hugging Face base model in the isolated network warns that the containers cannot download it', () => {
    // Prepare, Act
    const { stack: s } = synthesizePipeline(PREBUILT_IMAGES);

    // Assess
    Annotations.fromStack(s).hasWarning(
      '/AvatarPipeline',
      Match.stringLikeRegexp('isolated network.*cannot download it.*npm run stage-base-model'),
    );
    expect(JSON.stringify(Annotations.fromStack(s).findWarning('*', Match.anyValue()))).toContain(
      BASE_MODEL_WARNINGS.unreachable,
    );
  });

  test('isolatedNetwork=false has no VPC and warns that the network is weaker; an unpinned Hub model warns too', () => {
    // Prepare, Act
    const open = synthesizePipeline({ ...PREBUILT_IMAGES, isolatedNetwork: 'false' });

    // Assess
    expect(ofType(open.resources, 'AWS::EC2::VPC')).toEqual([]);
    expect(open.stack.network).toBeUndefined();
    for (const model of [open.stack.trainingHost.model, open.stack.hosting.model])
      expect(propertiesOf(open.resources, open.stack.getLogicalId(model)).VpcConfig).toBeUndefined();
    const warnings = warningsOf(open.stack);
    expect(warnings.some((w) => w.includes('isolatedNetwork=false') && w.includes('internet access'))).toBe(
      true,
    );
    expect(warnings.some((w) => w.includes('without a pinned revision'))).toBe(true);
  });

  test('baseModelRevision pins the Hub download in both containers and silences the unpinned warning', () => {
    // Prepare
    const revision = '5ede9e4bf3e3fd1cb0ef2f7a3fff13ee514fdf06';

    // Act
    const pinned = synthesizePipeline({
      ...PREBUILT_IMAGES,
      isolatedNetwork: false,
      baseModelRevision: revision,
    });

    // Assess
    for (const model of [pinned.stack.trainingHost.model, pinned.stack.hosting.model]) {
      const container = propertiesOf(pinned.resources, pinned.stack.getLogicalId(model)).PrimaryContainer;
      expect(container).toMatchObject({ Environment: { BASE_MODEL_REVISION: revision } });
    }
    expect(warningsOf(pinned.stack).some((w) => w.includes('pinned revision'))).toBe(false);
    expect(() => synthesizePipeline({ baseModelRevision: 'main' })).toThrow('"baseModelRevision"');
  });

  test('a prebuilt image named by a tag warns; by digest it does not', () => {
    // Prepare
    const byTag = {
      trainingImageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/avatar-training:1.0.0`,
      servingImageUri: PREBUILT_IMAGES.servingImageUri,
    };

    // Act
    const tagged = synthesizePipeline({ ...byTag, baseModel: S3_BASE_MODEL });

    // Assess
    const tagWarnings = warningsOf(tagged.stack).filter((w) => w.includes('by a tag'));
    expect(tagWarnings).toEqual([expect.stringContaining('"trainingImageUri"')]);
    expect(JSON.stringify(Annotations.fromStack(tagged.stack).findWarning('*', Match.anyValue()))).toContain(
      IMAGE_BY_TAG_WARNING_ID,
    );
    expect(PREBUILT_IMAGES.servingImageUri).toMatch(/@sha256:[0-9a-f]{64}$/);
  });
});
