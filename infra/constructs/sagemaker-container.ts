import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, ArnFormat, type RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { type IRepository, Repository } from 'aws-cdk-lib/aws-ecr';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Effect, type IRole, Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { InvalidConfigurationError } from '../config.js';

/** The image of a model whose Dockerfile is missing (the synth carries an error annotation and cannot deploy). */
export const MISSING_IMAGE_PREFIX = 'missing-dockerfile:';

/** The id of the warning synth gives for a prebuilt image named by a tag instead of a digest. */
export const IMAGE_BY_TAG_WARNING_ID = 'avatar-pipeline:image-by-tag';

/** What pulling an image from a repository needs, on that repository. */
const PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];

/**
 * What the two SageMaker constructs share: where a container image comes from (a Docker build of a folder under
 * sagemaker/, or a prebuilt ECR image named in context), the execution role's baseline (image pull, logs,
 * metrics), endpoint names, and whether an instance type can take a volume KMS key.
 */

/** The repository root (infra/constructs/../..). */
const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ContainerImageSource {
  /** The build context, relative to the repository root (`sagemaker`: the images share code) or absolute. */
  directory: string;
  /** The Dockerfile, relative to the build context (e.g. `training/Dockerfile`). */
  file: string;
  /** The prebuilt image from context, if any; it replaces the Docker build. */
  imageUri: string | undefined;
  /** The context key that names the prebuilt image (for the error when neither is there). */
  contextKey: string;
}

/**
 * The image URI for a CfnModel, and the pull permission on `role`. A prebuilt image is pulled from its own
 * repository; otherwise `cdk deploy` builds the Dockerfile (linux/amd64: SageMaker's GPU hosts are x86) in its
 * context and pushes it to the bootstrap repository. At synth the folder is only hashed and staged, so synth needs no Docker.
 */
export function containerImage(
  scope: Construct,
  id: string,
  source: ContainerImageSource,
  role: Role,
): string {
  if (source.imageUri) {
    const { account, region, repositoryName, partitionSuffix } = parseEcrImageUri(source.imageUri);
    const partition = partitionSuffix === '.cn' ? 'aws-cn' : 'aws';
    const repository = Repository.fromRepositoryArn(
      scope,
      `${id}Repository`,
      `arn:${partition}:ecr:${region}:${account}:repository/${repositoryName}`,
    );
    grantPull(repository, role);
    if (!source.imageUri.includes('@sha256:')) {
      // A tag can be moved to another image after review; a digest names one image for good.
      Annotations.of(scope).addWarningV2(
        IMAGE_BY_TAG_WARNING_ID,
        `Context "${source.contextKey}" names the image ${source.imageUri} by a tag: pass it by digest (<repository>@sha256:<digest>, see \`aws ecr describe-images\`) so that the image that runs is the one that was reviewed.`,
      );
    }
    return source.imageUri;
  }
  const directory = resolve(REPOSITORY_ROOT, source.directory);
  const dockerfile = `${source.directory}/${source.file}`;
  if (!existsSync(join(directory, source.file))) {
    // An error annotation, not an exception: `cdk synth` and `cdk deploy` stop with this message, while in-process
    // synths that only read the template (tests, the local runtime) still work with a placeholder image.
    Annotations.of(scope).addError(
      `${dockerfile} not found: build the image yourself and give its ECR URI as context "${source.contextKey}"`,
    );
    return `${MISSING_IMAGE_PREFIX}${dockerfile}`;
  }
  const asset = new DockerImageAsset(scope, id, {
    directory,
    file: source.file,
    platform: Platform.LINUX_AMD64,
    // What no image copies: tests and docs would otherwise change the image hash and cause a rebuild.
    exclude: ['**/tests', '**/*.md', '**/__pycache__', '**/*.pyc', '**/.pytest_cache', '**/.venv'],
  });
  // The asset's tag is the hash of its build context: a changed image is a new tag.
  grantPull(asset.repository, role);
  return asset.imageUri;
}

/**
 * Pull from one repository. `repository.grantPull` would also put ecr:GetAuthorizationToken on `*` into the role's
 * own policy; that action is in the role's service policy instead (see `sagemakerExecutionRole`).
 */
function grantPull(repository: IRepository, role: Role): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: PULL_ACTIONS,
      resources: [repository.repositoryArn],
    }),
  );
}

function parseEcrImageUri(uri: string): {
  account: string;
  region: string;
  repositoryName: string;
  partitionSuffix: string;
} {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([^:@]+)/.exec(uri);
  if (!match) throw new InvalidConfigurationError(`${uri} is not an ECR image URI`);
  return {
    account: match[1] as string,
    region: match[2] as string,
    partitionSuffix: match[3] ?? '',
    repositoryName: match[4] as string,
  };
}

/**
 * An endpoint name derived from the stack name (`<stack>-<suffix>`), within SageMaker's 63 characters and its
 * pattern (letters, digits, single or repeated hyphens, no hyphen at either end). A fixed name lets the execution
 * role's log permission name the endpoint's own log group.
 */
export function endpointNameFor(stackName: string, suffix: string): string {
  const head = stackName.slice(0, 63 - suffix.length - 1).replace(/-+$/, '');
  return `${head}-${suffix}`;
}

/**
 * Instance families whose volumes are local NVMe instance storage (g4dn, g5, g6, p4d, ... and the `d` families):
 * SageMaker encrypts those in hardware and refuses an endpoint config with `KmsKeyId` for them.
 */
export function hasLocalInstanceStorage(instanceType: string): boolean {
  const family = instanceType.split('.')[1] ?? '';
  return (
    /^(g4dn|g4ad|g5|g6|g6e|gr6|p3dn|p4d|p4de|p5|p5e|p5en|p6.*)$/.test(family) ||
    /^[a-z]+\d+[a-z]*d$/.test(family)
  );
}

/** The actions of an execution role that IAM accepts on `*` only, each in the role's service policy. */
export const SAGEMAKER_SERVICE_ACTIONS = ['ecr:GetAuthorizationToken', 'cloudwatch:PutMetricData'];

/**
 * What SageMaker needs to attach an endpoint's containers to a VPC (the SageMaker guide, "Give SageMaker Hosted
 * Endpoints Access to Resources in Your Amazon VPC"): on `*`, with no condition, as the guide says for these checks.
 */
export const VPC_ACCESS_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:CreateNetworkInterfacePermission',
  'ec2:DeleteNetworkInterface',
  'ec2:DeleteNetworkInterfacePermission',
  'ec2:DescribeDhcpOptions',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeVpcEndpoints',
  'ec2:DescribeVpcs',
];

/** The log group of a SageMaker endpoint, as SageMaker names it. */
export function endpointLogGroupName(endpointName: string): string {
  return `/aws/sagemaker/Endpoints/${endpointName}`;
}

/**
 * The endpoint's log group, created by the stack (not by SageMaker on first use) so that it has a retention and is
 * encrypted with the logs key. The endpoint must depend on it, or SageMaker could create it first.
 */
export function endpointLogGroup(
  scope: Construct,
  id: string,
  endpointName: string,
  options: { retention: RetentionDays; removalPolicy: RemovalPolicy; logsKey: IKey },
): LogGroup {
  return new LogGroup(scope, id, {
    logGroupName: endpointLogGroupName(endpointName),
    retention: options.retention,
    encryptionKey: options.logsKey,
    removalPolicy: options.removalPolicy,
  });
}

/**
 * A SageMaker execution role with what every endpoint container needs and nothing else: write its own log group
 * (`/aws/sagemaker/Endpoints/<endpointName>`), and, in a policy of its own (`<id>ServicePolicy`, the only place
 * where their `*` is acknowledged), ecr:GetAuthorizationToken and cloudwatch:PutMetricData in SageMaker's
 * namespaces. Image pull and data access are added by the caller through grants, always on named resources.
 */
export function sagemakerExecutionRole(
  scope: Construct,
  id: string,
  endpointName: string,
  description: string,
): Role {
  const stack = Stack.of(scope);
  const role = new Role(scope, id, {
    assumedBy: new ServicePrincipal('sagemaker.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
    description,
  });
  const logGroupArn = stack.formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: endpointLogGroupName(endpointName),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  role.addToPrincipalPolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: [
        'logs:CreateLogGroup',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'logs:DescribeLogStreams',
      ],
      resources: [logGroupArn, `${logGroupArn}:log-stream:*`],
    }),
  );
  const service = new Policy(scope, `${id}ServicePolicy`, {
    statements: [
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*', 'AWS/SageMaker'] } },
      }),
    ],
  });
  service.attachToRole(role);
  Validations.of(service).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'ecr:GetAuthorizationToken takes no resource, and cloudwatch:PutMetricData takes none either (it is limited to SageMaker namespaces by a condition); this policy holds nothing else.',
  });
  return role;
}

/**
 * Makes `resource` wait for the role's policies (SageMaker checks at model creation that the role can pull the
 * image), without a DependsOn on the role itself, which its ARN already orders.
 */
export function dependOnRolePolicies(resource: Construct, role: Role): void {
  const scope = role.node.scope as Construct;
  for (const policy of [
    role.node.tryFindChild('DefaultPolicy'),
    scope.node.tryFindChild(`${role.node.id}ServicePolicy`),
  ])
    if (policy) resource.node.addDependency(policy);
}

/**
 * Lets SageMaker attach the role's endpoint to a VPC: the EC2 actions of `VPC_ACCESS_ACTIONS`, in a policy of their
 * own (`<role id>VpcAccessPolicy`) that the model waits for (SageMaker checks them when the model is created).
 */
export function grantVpcAccess(role: Role, dependent: Construct): Policy {
  const policy = new Policy(role.node.scope as Construct, `${role.node.id}VpcAccessPolicy`, {
    statements: [
      new PolicyStatement({ effect: Effect.ALLOW, actions: VPC_ACCESS_ACTIONS, resources: ['*'] }),
    ],
  });
  policy.attachToRole(role);
  dependent.node.addDependency(policy);
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'The EC2 network-interface actions SageMaker needs to put an endpoint in a VPC; the SageMaker guide requires them on * with no condition (its create-time checks fail otherwise). Nothing else is in this policy.',
  });
  return policy;
}

/** Acknowledges, on the role's default policy, the wildcards that IAM leaves no narrower way to write. */
export function acknowledgeExecutionRoleWildcards(role: IRole, endpointName: string): void {
  const policy = Construct.isConstruct(role) ? role.node.tryFindChild('DefaultPolicy') : undefined;
  if (!policy) return;
  // cdk-nag writes pseudo parameters as <AWS::Region>, and a deploy-time environment as its literal values.
  const stack = Stack.of(policy);
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  Validations.of(policy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${region}:${account}:log-group:/aws/sagemaker/Endpoints/${endpointName}:log-stream:*]`,
    reason: `Log streams of the endpoint's own log group (/aws/sagemaker/Endpoints/${endpointName}): SageMaker names one per instance.`,
  });
}
