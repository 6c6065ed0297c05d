import { ArnFormat, Fn, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  type GatewayVpcEndpoint,
  GatewayVpcEndpointAwsService,
  type InterfaceVpcEndpoint,
  InterfaceVpcEndpointAwsService,
  IpAddresses,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { AnyPrincipal, Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { endpointLogGroupName } from './sagemaker-container.js';

/** Availability zones of the network: SageMaker asks for subnets in at least two, even for one instance. */
export const NETWORK_AZS = 2;

export interface IsolatedNetworkProps {
  /** Retention of the VPC flow logs. */
  readonly logRetention: RetentionDays;
  /** The key the flow log group is encrypted with (the stack's logs key). */
  readonly logsKey: IKey;
  /** What happens to the flow log group when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The network of the two SageMaker endpoints: a VPC of their own with private isolated subnets in two availability
 * zones, no internet gateway and no NAT, so a container can reach nothing but the VPC endpoints here:
 *
 * - an S3 gateway endpoint (no hourly cost) whose policy admits only the buckets added with `allowBucket` (the
 *   photo bucket, an `s3://` base model's bucket), for principals of this account;
 * - interface endpoints for CloudWatch Logs (`allowLogGroup`: only the endpoints' log groups) and SNS
 *   (`allowPublish`: only the training endpoint's topics): SageMaker ships container logs and async inference
 *   notifications itself, but if it does so through the endpoint's network interface these keep that working, and
 *   their policies admit nothing else.
 *
 * The endpoints' security group has no inbound rule and allows HTTPS out only; with no route off the VPC that reaches
 * the VPC endpoints alone. Flow logs record every connection attempt (encrypted, with the stack's retention).
 * An interface endpoint costs about $0.01 per hour per zone: 2 x 2 = about $29 a month (see the README's Costs).
 */
export class IsolatedNetwork extends Construct {
  readonly vpc: Vpc;
  /** The security group of the endpoints' network interfaces. */
  readonly securityGroup: SecurityGroup;
  readonly s3Endpoint: GatewayVpcEndpoint;
  readonly logsEndpoint: InterfaceVpcEndpoint;
  readonly snsEndpoint: InterfaceVpcEndpoint;
  /** What a model must wait for: the VPC endpoints (the S3 gateway's routes included). */
  readonly endpoints: Construct[];

  constructor(scope: Construct, id: string, props: IsolatedNetworkProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr('10.42.0.0/16'),
      // The first two zones of the region, resolved at deploy (Fn::GetAZs): with an account and region in context
      // CDK would otherwise look the zones up at synth and write their names into the template.
      availabilityZones: Array.from({ length: NETWORK_AZS }, (_, i) => Fn.select(i, Fn.getAzs())),
      natGateways: 0,
      subnetConfiguration: [{ name: 'Isolated', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 20 }],
    });

    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: props.logRetention,
      encryptionKey: props.logsKey,
      removalPolicy: props.removalPolicy,
    });
    // The flow log service may assume this role only for flow logs of this account (confused deputy).
    const flowLogRole = new Role(this, 'FlowLogRole', {
      assumedBy: new ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({ service: 'ec2', resource: 'vpc-flow-log', resourceName: '*' }),
          },
        },
      }),
      description: 'VPC flow logs of the SageMaker endpoints network write to their log group',
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogs, flowLogRole),
      trafficType: FlowLogTrafficType.ALL,
    });

    this.securityGroup = new SecurityGroup(this, 'EndpointsSecurityGroup', {
      vpc: this.vpc,
      description: 'SageMaker endpoint containers: nothing in, HTTPS out to the VPC endpoints only',
      allowAllOutbound: false,
    });
    // The subnets route nowhere but to the VPC endpoints (the S3 gateway's prefix list is in their route tables).
    this.securityGroup.addEgressRule(
      Peer.anyIpv4(),
      Port.tcp(443),
      'HTTPS to the VPC endpoints (no other route)',
    );

    const isolated = { subnetType: SubnetType.PRIVATE_ISOLATED };
    this.s3Endpoint = this.vpc.addGatewayEndpoint('S3', {
      service: GatewayVpcEndpointAwsService.S3,
      subnets: [isolated],
    });
    const interfaceEndpoint = (endpointId: string, service: InterfaceVpcEndpointAwsService) => {
      const endpoint = this.vpc.addInterfaceEndpoint(endpointId, {
        service,
        subnets: isolated,
        privateDnsEnabled: true,
        // Its own group: HTTPS in from the endpoints' security group only (not from the whole VPC).
        open: false,
      });
      endpoint.connections.allowFrom(this.securityGroup, Port.tcp(443), 'HTTPS from the SageMaker endpoints');
      return endpoint;
    };
    this.logsEndpoint = interfaceEndpoint('Logs', InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS);
    this.snsEndpoint = interfaceEndpoint('Sns', InterfaceVpcEndpointAwsService.SNS);
    this.endpoints = [this.s3Endpoint, this.logsEndpoint, this.snsEndpoint];
  }

  /** What a model needs to run in this network: its `VpcConfig`. */
  vpcConfig(): CfnModel.VpcConfigProperty {
    return {
      subnets: this.vpc.isolatedSubnets.map((subnet) => subnet.subnetId),
      securityGroupIds: [this.securityGroup.securityGroupId],
    };
  }

  /** Reading (and, with `write`, writing) objects of one bucket through the S3 gateway. */
  allowBucket(bucketArn: string, options: { write: boolean; objects?: string } = { write: false }): void {
    const actions = ['s3:GetObject', ...(options.write ? ['s3:PutObject', 's3:AbortMultipartUpload'] : [])];
    this.s3Endpoint.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new AnyPrincipal()],
        actions,
        resources: [`${bucketArn}/${options.objects ?? '*'}`],
        conditions: { StringEquals: { 'aws:PrincipalAccount': Stack.of(this).account } },
      }),
    );
    this.s3Endpoint.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new AnyPrincipal()],
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
        conditions: { StringEquals: { 'aws:PrincipalAccount': Stack.of(this).account } },
      }),
    );
  }

  /** Writing to an endpoint's log group through the CloudWatch Logs endpoint. */
  allowLogGroup(endpointName: string): void {
    const arn = Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: endpointLogGroupName(endpointName),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.logsEndpoint.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new AnyPrincipal()],
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [arn, `${arn}:log-stream:*`],
        conditions: { StringEquals: { 'aws:PrincipalAccount': Stack.of(this).account } },
      }),
    );
  }

  /** Publishing to these topics through the SNS endpoint. */
  allowPublish(topics: readonly ITopic[]): void {
    this.snsEndpoint.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new AnyPrincipal()],
        actions: ['sns:Publish'],
        resources: topics.map((topic) => topic.topicArn),
        conditions: { StringEquals: { 'aws:PrincipalAccount': Stack.of(this).account } },
      }),
    );
  }
}
