import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  ADAPTERS_PREFIX,
  ASYNC_INFERENCE_PREFIX,
  ASYNC_OUTPUT_PREFIX,
  TRAINING_PREFIX,
} from '../../functions/platform/bucket-layout.js';
import { TASKS } from '../../functions/task-registry.js';
import { buildTrainingWorkflow } from '../../state-machines/training/workflow.js';
import type { PipelineConfig } from '../config.js';
import type { Hosting } from './hosting.js';
import type { Ingest } from './ingest.js';
import type { Keys } from './keys.js';
import type { PhotoStore } from './photo-store.js';
import { PipelineFunction, pipelineFunctions } from './pipeline-function.js';
import type { TrainingHost } from './training-host.js';
import { createWorkflowStateMachine } from './workflow-state-machine.js';

export interface TrainingProps {
  /** The pipeline's settings: photo limits, training settings and timeouts, retention, log retention. */
  readonly config: PipelineConfig;
  /** The ingest bucket: photos are read from `subjects/`, training sets and requests written under `training/`. */
  readonly photos: PhotoStore;
  /** The pipeline's own bus: the workflow publishes every outcome there. */
  readonly bus: IEventBus;
  /** The async endpoint that fine-tunes (with its success and error topics). */
  readonly trainingHost: TrainingHost;
  /** The multi-model endpoint the trained adapters are deployed to, and the model registry. */
  readonly hosting: Hosting;
  /**
   * The sharp layer the image functions load sharp from.
   * @default - no layer: the image functions run without sharp (only for synth-only checks, `-c sharpLayer=false`)
   */
  readonly sharpLayer?: ILayerVersion;
  /** The subject ledger and the function that settles a folder drop (the workflow's first task). */
  readonly ingest: Ingest;
  /** The pipeline's keys: the state table is encrypted with the data key, the log groups with the logs key. */
  readonly keys: Keys;
}

/**
 * From a sealed subject to a training set: the ValidateImages and PrepareTrainingSet functions and the training
 * state machine that runs them (state-machines/training/workflow.ts) and publishes each outcome on the bus.
 */
export class Training extends Construct {
  readonly validateImages: NodejsFunction;
  readonly prepareTrainingSet: NodejsFunction;
  /** Capacity queue and callback tokens of the trainings in flight. */
  readonly stateTable: Table;
  readonly planTraining: NodejsFunction;
  readonly acquireTrainingSlot: NodejsFunction;
  readonly releaseTrainingSlot: NodejsFunction;
  readonly startTraining: NodejsFunction;
  readonly trainingCallback: NodejsFunction;
  readonly explainTrainingFailure: NodejsFunction;
  readonly deployModel: NodejsFunction;
  readonly warmUpModel: NodejsFunction;
  readonly registerModel: NodejsFunction;
  readonly stateMachine: StateMachine;
  readonly stateMachineLogs: LogGroup;

  constructor(scope: Construct, id: string, props: TrainingProps) {
    super(scope, id);
    const { config, photos, keys } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = config.logRetentionDays as RetentionDays;
    const logsKey = keys.logs;
    const layers = props.sharpLayer ? [{ layer: props.sharpLayer, provides: ['sharp'] }] : [];

    this.validateImages = new PipelineFunction(this, 'ValidateImages', {
      task: TASKS.validateImages,
      description: 'Checks every photo of a sealed subject and the set as a whole; explains each rejection',
      // Decoding up to 15 photos with sharp (shrink-on-load): 15 photos of 12 MP peak at ~230 MB RSS
      // (`npm run bench`), so 1,769 MB (one full vCPU on Lambda) keeps 7x headroom; it had 3,008 MB.
      memorySize: 1769,
      timeout: Duration.minutes(5),
      layers,
      logRetention,
      removalPolicy,
      logsKey,
      environment: {
        PHOTO_BUCKET: photos.bucket.bucketName,
        MIN_PHOTOS: String(config.minPhotos),
        MAX_PHOTOS: String(config.maxPhotos),
        MIN_SIDE_PX: String(config.minSidePx),
        MAX_FILE_BYTES: String(config.maxFileBytes),
        MAX_PIXELS: String(config.maxPixels),
      },
    }).function;
    photos.grantReadSubjects(this.validateImages);
    // A separate policy, so that its `*` is acknowledged for Rekognition alone.
    const faceAnalysis = new Policy(this, 'FaceAnalysisPolicy', {
      statements: [
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['rekognition:DetectFaces', 'rekognition:DetectModerationLabels'],
          resources: ['*'],
        }),
      ],
    });
    faceAnalysis.attachToRole(this.validateImages.role ?? unreachable('ValidateImages has no role'));
    Validations.of(faceAnalysis).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'rekognition:DetectFaces and rekognition:DetectModerationLabels act on images, not on resources: IAM only accepts "*" for them.',
    });

    // Is it the same person? Each usable photo's face against the set's reference face. A policy of its own (the
    // stack minimizes policies, and this keeps the face-analysis statement as it is), with its own acknowledgement.
    const faceComparison = new Policy(this, 'FaceComparisonPolicy', {
      statements: [
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['rekognition:CompareFaces'],
          resources: ['*'],
        }),
      ],
    });
    faceComparison.attachToRole(this.validateImages.role ?? unreachable('ValidateImages has no role'));
    Validations.of(faceComparison).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'rekognition:CompareFaces compares two images passed as bytes, not resources: IAM only accepts "*" for it.',
    });

    this.prepareTrainingSet = new PipelineFunction(this, 'PrepareTrainingSet', {
      task: TASKS.prepareTrainingSet,
      description: 'Crops the usable photos to face-centred squares and writes the training set manifest',
      memorySize: 2048,
      timeout: Duration.minutes(5),
      layers,
      logRetention,
      removalPolicy,
      logsKey,
      environment: {
        PHOTO_BUCKET: photos.bucket.bucketName,
        TRAINING_RESOLUTION: String(config.trainingResolution),
        TRAINING_PREFIX,
        MAX_PIXELS: String(config.maxPixels),
      },
    }).function;
    photos.grantReadSubjects(this.prepareTrainingSet);
    photos.grantReadWriteTrainingSets(this.prepareTrainingSet);

    const { trainingHost, hosting } = props;
    this.stateTable = new Table(this, 'StateTable', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: keys.data,
      removalPolicy,
    });
    const fn = pipelineFunctions(this, { logRetention, removalPolicy, logsKey });
    const stateTable = { TRAINING_STATE_TABLE: this.stateTable.tableName };

    this.planTraining = fn(
      'PlanTraining',
      TASKS.planTraining,
      'Fixes the hyperparameters and model version, writes the training request',
      { PHOTO_BUCKET: photos.bucket.bucketName, BASE_MODEL: config.baseModel },
    );
    photos.grantWritePrefix(this.planTraining, TRAINING_PREFIX);

    this.acquireTrainingSlot = fn(
      'AcquireTrainingSlot',
      TASKS.acquireTrainingSlot,
      'Takes a training slot, or tells the subject its place in line',
      {
        ...stateTable,
        LEDGER_TABLE: props.ingest.ledger.tableName,
        TRAINING_CONCURRENCY: String(config.trainingConcurrency),
      },
    );
    this.releaseTrainingSlot = fn(
      'ReleaseTrainingSlot',
      TASKS.releaseTrainingSlot,
      'Frees a training slot and ends the subject training (idempotent)',
      { ...stateTable, LEDGER_TABLE: props.ingest.ledger.tableName },
    );
    for (const gate of [this.acquireTrainingSlot, this.releaseTrainingSlot]) {
      this.stateTable.grant(
        gate,
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
      );
      keys.grantDataKey(gate, 'dynamodb', 'write');
      // The subject's row (not the ledger's index): the image set claims it, and the training's end releases it.
      gate.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          resources: [props.ingest.ledger.tableArn],
        }),
      );
    }

    this.startTraining = fn(
      'StartTraining',
      TASKS.startTraining,
      'Stores the task token and queues the training on the async endpoint',
      {
        ...stateTable,
        PHOTO_BUCKET: photos.bucket.bucketName,
        TRAINING_ENDPOINT: trainingHost.endpointName,
        TRAINING_INVOCATION_TIMEOUT_SECONDS: String(config.trainingInvocationTimeoutSeconds),
        TOKEN_TTL_SECONDS: String(config.trainingTimeoutSeconds + 86_400),
      },
    );
    // PutItem: the token; UpdateItem: the failure location, once the endpoint has taken the request.
    this.stateTable.grant(this.startTraining, 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    keys.grantDataKey(this.startTraining, 'dynamodb', 'write');
    trainingHost.grantInvokeAsync(this.startTraining);
    // A dry run trains here, at once, with no GPU: it reads the request and manifest, writes the stand-in
    // adapter and the response where the endpoint would, and answers its own task (granted below).
    photos.grantReadPrefix(this.startTraining, TRAINING_PREFIX);
    photos.grantWritePrefix(this.startTraining, ADAPTERS_PREFIX);
    photos.grantWritePrefix(this.startTraining, ASYNC_OUTPUT_PREFIX);

    this.trainingCallback = fn(
      'TrainingCallback',
      TASKS.trainingCallback,
      'Turns the training endpoint notifications into SendTaskSuccess / SendTaskFailure',
      {
        ...stateTable,
        PHOTO_BUCKET: photos.bucket.bucketName,
        TRAINING_SUCCESS_TOPIC_ARN: trainingHost.successTopic.topicArn,
        TRAINING_ERROR_TOPIC_ARN: trainingHost.errorTopic.topicArn,
      },
    );
    // GetItem: the plan and the erasure tombstone it checks a notification against.
    this.stateTable.grant(this.trainingCallback, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
    // The response and the adapter it names (their checks and digest); an erased subject's late results deleted.
    trainingHost.grantReadOutput(this.trainingCallback);
    photos.grantReadPrefix(this.trainingCallback, ADAPTERS_PREFIX);
    photos.grantEraseVersions(this.trainingCallback, ADAPTERS_PREFIX);
    photos.grantEraseVersions(this.trainingCallback, ASYNC_INFERENCE_PREFIX);
    keys.grantDataKey(this.trainingCallback, 'dynamodb', 'write');
    for (const topic of [trainingHost.successTopic, trainingHost.errorTopic]) {
      topic.addSubscription(new LambdaSubscription(this.trainingCallback));
    }

    this.explainTrainingFailure = fn(
      'ExplainTrainingFailure',
      TASKS.explainTrainingFailure,
      "Words the Training Failed event: what happened and whether retrying helps, in the container's words",
      { PHOTO_BUCKET: photos.bucket.bucketName },
    );
    // The container's error body, which SageMaker stores under async-inference/failures/ (nothing else).
    trainingHost.grantReadFailures(this.explainTrainingFailure);

    this.deployModel = fn(
      'DeployModel',
      TASKS.deployModel,
      'Checks the trained adapter package (no code, our backend) and copies it under the multi-model endpoint prefix',
      { PHOTO_BUCKET: photos.bucket.bucketName, MODELS_PREFIX: hosting.modelsPrefix, ...stateTable },
    );
    trainingHost.grantReadOutput(this.deployModel);
    // The plan, the adapter's recorded digest and the erasure tombstone, checked before packaging.
    this.stateTable.grant(this.deployModel, 'dynamodb:GetItem');
    keys.grantDataKey(this.deployModel, 'dynamodb', 'read');
    hosting.grantPublishModel(this.deployModel);

    this.warmUpModel = fn(
      'WarmUpModel',
      TASKS.warmUpModel,
      'Invokes the new model once, with retries, so that it is loaded before Model Ready',
      { SERVING_ENDPOINT: hosting.endpointName },
      { timeout: Duration.minutes(5) },
    );
    hosting.grantInvoke(this.warmUpModel);

    this.registerModel = fn(
      'RegisterModel',
      TASKS.registerModel,
      'Records the model in the registry and words Model Ready',
      { MODEL_REGISTRY_TABLE: hosting.registry.tableName },
    );
    hosting.registry.grant(this.registerModel, 'dynamodb:PutItem');
    keys.grantDataKey(this.registerModel, 'dynamodb', 'write');

    const workflow = buildTrainingWorkflow(this, {
      settleImageSet: props.ingest.settleImageSet,
      validateImages: this.validateImages,
      prepareTrainingSet: this.prepareTrainingSet,
      planTraining: this.planTraining,
      acquireTrainingSlot: this.acquireTrainingSlot,
      releaseTrainingSlot: this.releaseTrainingSlot,
      startTraining: this.startTraining,
      explainTrainingFailure: this.explainTrainingFailure,
      deployModel: this.deployModel,
      warmUpModel: this.warmUpModel,
      registerModel: this.registerModel,
      trainingTimeout: Duration.seconds(config.trainingTimeoutSeconds),
      bus: props.bus,
    });
    ({ stateMachine: this.stateMachine, logs: this.stateMachineLogs } = createWorkflowStateMachine(this, {
      workflow: 'training',
      definitionBody: workflow.definitionBody,
      comment:
        'Validates a sealed subject, prepares its training set, trains and deploys its model, and publishes each outcome',
      // Bounded, yet long enough for a subject queued behind others for training capacity.
      timeout: Duration.days(3),
      tasks: [
        props.ingest.settleImageSet,
        this.validateImages,
        this.prepareTrainingSet,
        this.planTraining,
        this.acquireTrainingSlot,
        this.releaseTrainingSlot,
        this.startTraining,
        this.explainTrainingFailure,
        this.deployModel,
        this.warmUpModel,
        this.registerModel,
      ],
      removalPolicy,
      logRetention,
      logsKey,
      logLevel: config.workflowLogLevel,
      includeExecutionData: config.workflowLogExecutionData,
    }));

    // The callback may only answer tasks of this state machine: SendTaskSuccess / Failure / Heartbeat.
    this.stateMachine.grantTaskResponse(this.trainingCallback);
    // A separate policy, not the role's default one: the state machine depends on StartTraining, which depends
    // on its default policy, so a grant there naming the state machine would be a dependency cycle.
    new Policy(this, 'DryRunTaskResponse', {
      roles: [this.startTraining.role ?? unreachable('StartTraining has a role')],
      statements: [
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
          resources: [this.stateMachine.stateMachineArn],
        }),
      ],
    });
  }
}

function unreachable(message: string): never {
  throw new Error(message);
}
