import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, type IGrantable, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { CfnEndpoint, CfnEndpointConfig, CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ADAPTERS_PREFIX, MODELS_PREFIX } from '../../functions/platform/bucket-layout.js';
import type { PipelineConfig } from '../config.js';
import { BASE_MODEL_DIR, grantReadBaseModel } from './base-model.js';
import type { PhotoStore } from './photo-store.js';
import {
  acknowledgeExecutionRoleWildcards,
  containerImage,
  endpointNameFor,
  hasLocalInstanceStorage,
  sagemakerExecutionRole,
} from './sagemaker-container.js';
import { VARIANT_NAME } from './training-host.js';

export interface HostingProps {
  /** The pipeline's settings: serving image, instance type and count, base model, stack name (in the endpoint's name), retention. */
  readonly config: PipelineConfig;
  /** The ingest bucket, whose `models/` prefix is the endpoint's `ModelDataUrl`. */
  readonly photos: PhotoStore;
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
  readonly model: CfnModel;
  readonly endpointConfig: CfnEndpointConfig;
  readonly endpoint: CfnEndpoint;

  private readonly photos: PhotoStore;

  constructor(scope: Construct, id: string, props: HostingProps) {
    super(scope, id);
    const { config, photos } = props;
    this.photos = photos;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.endpointName = endpointNameFor(config.stackName, 'avatars');

    this.registry = new Table(this, 'Registry', {
      partitionKey: { name: 'subjectKey', type: AttributeType.STRING },
      sortKey: { name: 'modelVersion', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy,
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
      primaryContainer: {
        image,
        mode: 'MultiModel',
        modelDataUrl: photos.bucket.s3UrlForObject(MODELS_PREFIX),
        environment: {
          // The same value the training model gets.
          BASE_MODEL: config.baseModel,
          BASE_MODEL_DIR,
        },
      },
    });
    this.model.node.addDependency(role);

    // Only instance types without local storage can take a volume key (see hasLocalInstanceStorage).
    const volumeKey = hasLocalInstanceStorage(config.servingInstanceType)
      ? undefined
      : new Key(this, 'VolumeKey', {
          description: 'Encrypts the storage volumes of the avatar multi-model endpoint',
          enableKeyRotation: true,
          removalPolicy,
        });
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
