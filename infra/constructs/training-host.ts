import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AdjustmentType,
  MetricAggregationType,
  ScalableTarget,
  ServiceNamespace,
  StepScalingAction,
  type TargetTrackingScalingPolicy,
} from 'aws-cdk-lib/aws-applicationautoscaling';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { ApplicationScalingAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Effect, type IGrantable, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnEndpoint, CfnEndpointConfig, CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  ADAPTERS_PREFIX,
  ASYNC_FAILURE_PREFIX,
  ASYNC_INFERENCE_PREFIX,
  ASYNC_OUTPUT_PREFIX,
  TRAINING_PREFIX,
} from '../../functions/platform/bucket-layout.js';
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

/** The production variant of both endpoints (one variant each). */
export const VARIANT_NAME = 'AllTraffic';
/**
 * ApproximateBacklogSizePerInstance to keep: a request queued or running per instance. An instance trains one
 * subject at a time (MaxConcurrentInvocationsPerInstance 1), so more than one per instance asks for another.
 */
export const BACKLOG_PER_INSTANCE_TARGET = 1;

export interface TrainingHostProps {
  /** The pipeline's settings: training image and instance, concurrency, invocation timeout, base model, stack name, retention. */
  readonly config: PipelineConfig;
  /** The ingest bucket: training requests and sets are read from it, adapters and responses written to it. */
  readonly photos: PhotoStore;
  /** The pipeline's keys: topics and output are encrypted with the data key, the endpoint's logs with the logs key. */
  readonly keys: Keys;
  /**
   * The isolated network the endpoint runs in (context `isolatedNetwork`).
   * @default - SageMaker's default network, with internet access
   */
  readonly network?: IsolatedNetwork;
}

/**
 * The DreamBooth (LoRA) trainer: a SageMaker asynchronous inference endpoint running the `sagemaker/training`
 * container (GET /ping, POST /invocations on 8080). A training is one InvokeEndpointAsync whose input is a request
 * under `training/`; the container writes the adapter package under `adapters/`, SageMaker writes the response
 * under `async-inference/output/` (or `failures/`) and publishes to the success or error topic, which the
 * workflow's callback turns into SendTaskSuccess / SendTaskFailure.
 *
 * It scales to zero: between trainings no GPU runs. A request that arrives at zero instances raises
 * HasBacklogWithoutCapacity, whose alarm adds an instance (step scaling); the backlog per instance (target
 * tracking) scales out up to `trainingConcurrency` and back in to zero once the queue is empty.
 */
export class TrainingHost extends Construct {
  readonly endpointName: string;
  readonly endpointArn: string;
  readonly variantName = VARIANT_NAME;
  /** SageMaker publishes here when an invocation succeeded (its output is under `async-inference/output/`). */
  readonly successTopic: Topic;
  /** SageMaker publishes here when an invocation failed or timed out (`async-inference/failures/`). */
  readonly errorTopic: Topic;
  /** Where training requests and training sets are read from. */
  readonly inputPrefix = TRAINING_PREFIX;
  /** Where the container writes the trained adapter packages. */
  readonly adapterPrefix = ADAPTERS_PREFIX;
  /** Encrypts the two topics and the async inference output objects: the stack's data key. */
  readonly key: IKey;
  /** The endpoint's log group (`/aws/sagemaker/Endpoints/<name>`), encrypted with the logs key. */
  readonly logGroup: LogGroup;
  readonly executionRole: Role;
  readonly model: CfnModel;
  readonly endpointConfig: CfnEndpointConfig;
  readonly endpoint: CfnEndpoint;
  readonly scalableTarget: ScalableTarget;
  /** Adds the first instance when a request waits at zero capacity. */
  readonly backlogWithoutCapacityAlarm: Alarm;
  readonly scaleOutFromZero: StepScalingAction;
  readonly backlogTracking: TargetTrackingScalingPolicy;

  private readonly photos: PhotoStore;

  constructor(scope: Construct, id: string, props: TrainingHostProps) {
    super(scope, id);
    const { config, photos } = props;
    this.photos = photos;
    const stack = Stack.of(this);
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.endpointName = endpointNameFor(config.stackName, 'training');

    this.key = props.keys.data;
    this.logGroup = endpointLogGroup(this, 'Logs', this.endpointName, {
      retention: config.logRetentionDays as RetentionDays,
      removalPolicy,
      logsKey: props.keys.logs,
    });
    const topic = (topicId: string, displayName: string) =>
      new Topic(this, topicId, { displayName, masterKey: this.key, enforceSSL: true });
    this.successTopic = topic('SuccessTopic', 'Avatar pipeline: training finished');
    this.errorTopic = topic('ErrorTopic', 'Avatar pipeline: training failed');

    this.executionRole = sagemakerExecutionRole(
      this,
      'ExecutionRole',
      this.endpointName,
      'SageMaker execution role of the DreamBooth training endpoint: reads training sets, writes adapters',
    );
    const role = this.executionRole;
    photos.grantReadPrefix(role, TRAINING_PREFIX);
    photos.grantWritePrefix(role, ADAPTERS_PREFIX);
    photos.grantWritePrefix(role, ASYNC_INFERENCE_PREFIX);
    grantReadBaseModel(role, config.baseModel);
    // Publishing to a KMS-encrypted topic needs the key too: grantPublish adds kms:Decrypt/GenerateDataKey*.
    this.successTopic.grantPublish(role);
    this.errorTopic.grantPublish(role);
    // SageMaker encrypts the async output objects with the key, as the execution role.
    this.key.grant(role, 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt');

    const image = containerImage(
      this,
      'Image',
      {
        directory: 'sagemaker',
        file: 'training/Dockerfile',
        imageUri: config.trainingImageUri,
        contextKey: 'trainingImageUri',
      },
      role,
    );

    this.model = new CfnModel(this, 'Model', {
      executionRoleArn: role.roleArn,
      ...(props.network ? { vpcConfig: props.network.vpcConfig() } : {}),
      primaryContainer: {
        image,
        environment: {
          // The same values the serving model gets: adapters are trained on the pipeline they are served with.
          ...baseModelEnvironment(config),
          // boto3 then calls the regional S3 endpoint, the one the VPC's S3 gateway serves.
          AWS_DEFAULT_REGION: Aws.REGION,
          PHOTO_BUCKET: photos.bucket.bucketName,
          TRAINING_PREFIX,
          ADAPTERS_PREFIX,
          // The request may not outlive the invocation: the container stops training before SageMaker does.
          INVOCATION_TIMEOUT_SECONDS: String(config.trainingInvocationTimeoutSeconds),
        },
      },
    });
    // The role's policy must exist before SageMaker checks that the role can pull the image.
    dependOnRolePolicies(this.model, role);
    if (props.network) {
      grantVpcAccess(role, this.model);
      props.network.allowBucket(photos.bucket.bucketArn, { write: true });
      props.network.allowPublish([this.successTopic, this.errorTopic]);
      props.network.allowLogGroup(this.endpointName);
      // The containers start only once the S3 gateway route is there.
      this.model.node.addDependency(...props.network.endpoints);
    }

    const volumeKey = !hasLocalInstanceStorage(config.trainingInstanceType);
    this.endpointConfig = new CfnEndpointConfig(this, 'EndpointConfig', {
      productionVariants: [
        {
          variantName: VARIANT_NAME,
          modelName: this.model.attrModelName,
          instanceType: config.trainingInstanceType,
          // SageMaker creates the endpoint with an instance; the scaling policies take it to zero when idle.
          initialInstanceCount: 1,
          // The container downloads the base model before it answers /ping.
          containerStartupHealthCheckTimeoutInSeconds: 1200,
        },
      ],
      asyncInferenceConfig: {
        // One training per GPU: a second would run out of GPU memory.
        clientConfig: { maxConcurrentInvocationsPerInstance: 1 },
        outputConfig: {
          s3OutputPath: photos.bucket.s3UrlForObject(ASYNC_OUTPUT_PREFIX),
          s3FailurePath: photos.bucket.s3UrlForObject(ASYNC_FAILURE_PREFIX),
          kmsKeyId: this.key.keyArn,
          notificationConfig: {
            successTopic: this.successTopic.topicArn,
            errorTopic: this.errorTopic.topicArn,
          },
        },
      },
      // Instance types with local NVMe storage (g5 and most GPU types) are encrypted in hardware; SageMaker refuses
      // KmsKeyId for them.
      ...(volumeKey ? { kmsKeyId: this.key.keyArn } : {}),
    });

    this.endpoint = new CfnEndpoint(this, 'Endpoint', {
      endpointName: this.endpointName,
      endpointConfigName: this.endpointConfig.attrEndpointConfigName,
    });
    // Else SageMaker would create the log group itself (no retention, no key) and the stack's would fail.
    this.endpoint.node.addDependency(this.logGroup);
    // Ref of AWS::SageMaker::Endpoint is its ARN.
    this.endpointArn = this.endpoint.ref;
    acknowledgeExecutionRoleWildcards(role, this.endpointName);
    Validations.of(role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        "Topic.grantPublish on the KMS-encrypted success/error topics: GenerateDataKey and GenerateDataKeyWithoutPlaintext on this construct's own key only.",
    });

    // Scale to zero (https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-autoscale.html).
    this.scalableTarget = new ScalableTarget(this, 'ScalableTarget', {
      serviceNamespace: ServiceNamespace.SAGEMAKER,
      // attrEndpointName: registered once the endpoint exists.
      resourceId: `endpoint/${this.endpoint.attrEndpointName}/variant/${VARIANT_NAME}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: 0,
      maxCapacity: config.trainingConcurrency,
      // Application Auto Scaling's service-linked role for SageMaker (created by the service on first use).
      role: Role.fromRoleArn(
        this,
        'AutoScalingServiceLinkedRole',
        stack.formatArn({
          service: 'iam',
          region: '',
          resource: 'role',
          resourceName:
            'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
        }),
      ),
    });

    const endpointMetric = (metricName: string, statistic: string) =>
      new Metric({
        namespace: 'AWS/SageMaker',
        metricName,
        dimensionsMap: { EndpointName: this.endpointName },
        statistic,
        period: Duration.minutes(1),
      });

    // From zero: target tracking cannot scale out from zero instances (a backlog per zero instances is no number).
    this.scaleOutFromZero = new StepScalingAction(this, 'ScaleOutFromZero', {
      scalingTarget: this.scalableTarget,
      adjustmentType: AdjustmentType.CHANGE_IN_CAPACITY,
      metricAggregationType: MetricAggregationType.AVERAGE,
      cooldown: Duration.minutes(5),
    });
    this.scaleOutFromZero.addAdjustment({ lowerBound: 0, adjustment: 1 });
    this.backlogWithoutCapacityAlarm = new Alarm(this, 'HasBacklogWithoutCapacity', {
      alarmDescription:
        'A training request waits and the training endpoint has no instance: add one (scale out from zero).',
      metric: endpointMetric('HasBacklogWithoutCapacity', 'Average'),
      threshold: 1,
      // One minute: the metric is only 1 when a request really waits with no instance, and each minute of delay
      // adds to the person's wait.
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.MISSING,
    });
    this.backlogWithoutCapacityAlarm.addAlarmAction(new ApplicationScalingAction(this.scaleOutFromZero));

    this.backlogTracking = this.scalableTarget.scaleToTrackMetric('BacklogPerInstance', {
      targetValue: BACKLOG_PER_INSTANCE_TARGET,
      customMetric: endpointMetric('ApproximateBacklogSizePerInstance', 'Average'),
      scaleOutCooldown: Duration.minutes(5),
      // A training runs ~25 minutes; the backlog counts running requests, so an instance is not taken away from a
      // running training by an empty queue.
      scaleInCooldown: Duration.minutes(10),
    });
  }

  /** sagemaker:InvokeEndpointAsync on this endpoint only. The request object must be under `training/`. */
  grantInvokeAsync(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['sagemaker:InvokeEndpointAsync'],
        resources: [this.endpointArn],
      }),
    );
  }

  /** Read the failures alone (`async-inference/failures/`: the container's error bodies, encrypted with the data key). */
  grantReadFailures(grantee: IGrantable): void {
    this.photos.grantReadPrefix(grantee, ASYNC_FAILURE_PREFIX);
  }

  /** Read the async inference results and failures (`async-inference/`, encrypted with the data key). */
  grantReadOutput(grantee: IGrantable): void {
    this.photos.grantReadPrefix(grantee, ASYNC_INFERENCE_PREFIX);
  }
}
