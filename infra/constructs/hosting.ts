import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, type IGrantable, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnEndpoint, CfnEndpointConfig, CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ADAPTERS_PREFIX, MODELS_PREFIX } from '../../functions/platform/bucket-layout.js';
import type { PipelineConfig } from '../config.js';
import { baseModelEnvironment, grantReadBaseModel } from './base-model.js';
import type { IsolatedNetwork } from './isolated-network.js';
import type { Keys } from './keys.js';
import type { PhotoStore } from './photo-store.js';
import {
  acknowledgeExecutionRoleWildcards,
  containerImage,
  dependOnRolePolicies,
  endpointLogGroup,
  endpointNameFor,
  grantVpcAccess,
  hasLocalInstanceStorage,
  sagemakerExecutionRole,
} from './sagemaker-container.js';
import { VARIANT_NAME } from './training-host.js';

export interface HostingProps {
  /** The pipeline's settings: serving image, instance type and count, base model, stack name (in the endpoint's name), retention. */
  readonly config: PipelineConfig;
  /** The ingest bucket, whose `models/` prefix is the endpoint's `ModelDataUrl`. */
  readonly photos: PhotoStore;
  /** The pipeline's keys: the registry (and volumes) with the data key, the endpoint's logs with the logs key. */
  readonly keys: Keys;
  /**
   * The isolated network the endpoint runs in (context `isolatedNetwork`).
   * @default - SageMaker's default network, with internet access
   */
  readonly network?: IsolatedNetwork;
}

/**
 * Serving: a GPU multi-model endpoint (SageMaker's Triton container, the only one that serves GPU MMEs) whose
 * `ModelDataUrl` is the `models/` prefix of the photos bucket. A subject's model is
 * `models/<subjectId>/<version>.tar.gz`; putting it there is the whole deployment, and InvokeEndpoint with
 * `TargetModel: <subjectId>/<version>.tar.gz` loads it on first use. The registry table records which versions exist.
 */
export class Hosting extends Construct {
  readonly endpointName: string;
  readonly endpointArn: string;
  readonly variantName = VARIANT_NAME;
  /** The endpoint's ModelDataUrl prefix in the photos bucket. */
  readonly modelsPrefix = MODELS_PREFIX;
  /** One row per model version: partition key `subjectKey` (`<tenantId>#<subjectId>`), sort key `modelVersion`. */
  readonly registry: Table;
  readonly executionRole: Role;
  /** The endpoint's log group (`/aws/sagemaker/Endpoints/<name>`), encrypted with the logs key. */
  readonly logGroup: LogGroup;
  readonly model: CfnModel;
  readonly endpointConfig: CfnEndpointConfig;
  readonly endpoint: CfnEndpoint;

  private readonly photos: PhotoStore;

  constructor(scope: Construct, id: string, props: HostingProps) {
    super(scope, id);
    const { config, photos, keys } = props;
    this.photos = photos;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.endpointName = endpointNameFor(config.stackName, 'avatars');

    this.registry = new Table(this, 'Registry', {
      partitionKey: { name: 'subjectKey', type: AttributeType.STRING },
      sortKey: { name: 'modelVersion', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: keys.data,
      removalPolicy,
    });
    this.logGroup = endpointLogGroup(this, 'Logs', this.endpointName, {
      retention: config.logRetentionDays as RetentionDays,
      removalPolicy,
      logsKey: keys.logs,
    });

    this.executionRole = sagemakerExecutionRole(
      this,
      'ExecutionRole',
      this.endpointName,
      'SageMaker execution role of the avatar multi-model endpoint: reads the models under models/',
    );
    const role = this.executionRole;
    photos.grantReadPrefix(role, MODELS_PREFIX);
    grantReadBaseModel(role, config.baseModel);

    const image = containerImage(
      this,
      'Image',
      {
        directory: 'sagemaker',
        file: 'serving/Dockerfile',
        imageUri: config.servingImageUri,
        contextKey: 'servingImageUri',
      },
      role,
    );

    this.model = new CfnModel(this, 'Model', {
      executionRoleArn: role.roleArn,
      ...(props.network ? { vpcConfig: props.network.vpcConfig() } : {}),
      primaryContainer: {
        image,
        mode: 'MultiModel',
        modelDataUrl: photos.bucket.s3UrlForObject(MODELS_PREFIX),
        environment: {
          // The same values the training model gets.
          ...baseModelEnvironment(config),
          // boto3 then calls the regional S3 endpoint, the one the VPC's S3 gateway serves.
          AWS_DEFAULT_REGION: Aws.REGION,
        },
      },
    });
    dependOnRolePolicies(this.model, role);
    if (props.network) {
      grantVpcAccess(role, this.model);
      props.network.allowBucket(photos.bucket.bucketArn, { write: false });
      props.network.allowLogGroup(this.endpointName);
      this.model.node.addDependency(...props.network.endpoints);
    }

    // Only instance types without local storage can take a volume key (see hasLocalInstanceStorage).
    const volumeKey = hasLocalInstanceStorage(config.servingInstanceType) ? undefined : keys.data;
    this.endpointConfig = new CfnEndpointConfig(this, 'EndpointConfig', {
      productionVariants: [
        {
          variantName: VARIANT_NAME,
          modelName: this.model.attrModelName,
          instanceType: config.servingInstanceType,
          initialInstanceCount: config.servingInstanceCount,
        },
      ],
      ...(volumeKey ? { kmsKeyId: volumeKey.keyArn } : {}),
    });

    this.endpoint = new CfnEndpoint(this, 'Endpoint', {
      endpointName: this.endpointName,
      endpointConfigName: this.endpointConfig.attrEndpointConfigName,
    });
    this.endpoint.node.addDependency(this.logGroup);
    this.endpointArn = this.endpoint.ref;
    acknowledgeExecutionRoleWildcards(role, this.endpointName);
  }

  /** sagemaker:InvokeEndpoint on this endpoint only (any TargetModel under `models/`). */
  grantInvoke(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['sagemaker:InvokeEndpoint'],
        resources: [this.endpointArn],
      }),
    );
  }

  /** Deploy a model: read the trained adapters under `adapters/` and write model packages under `models/`. */
  grantPublishModel(grantee: IGrantable): void {
    this.photos.grantReadPrefix(grantee, ADAPTERS_PREFIX);
    this.photos.grantWritePrefix(grantee, MODELS_PREFIX);
  }
}
