import { type CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, Policy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { buildTrainingWorkflow } from '../../state-machines/training/workflow.js';
import type { PipelineConfig } from '../config.js';
import { type PhotoStore, TRAINING_PREFIX } from './photo-store.js';
import { PipelineFunction } from './pipeline-function.js';

/** Template metadata naming a state machine's workflow for the local runtime (`training`, ...). */
export const WORKFLOW_METADATA_KEY = 'avatar-pipeline:workflow';

export interface TrainingProps {
  config: PipelineConfig;
  photos: PhotoStore;
  bus: IEventBus;
  /** The sharp layer; absent only when the deployer turned it off (`-c sharpLayer=false`). */
  sharpLayer: ILayerVersion | undefined;
}

/**
 * From a sealed subject to a training set: the ValidateImages and PrepareTrainingSet functions and the training
 * state machine that runs them (state-machines/training/workflow.ts) and publishes each outcome on the bus.
 */
export class Training extends Construct {
  readonly validateImages: NodejsFunction;
  readonly prepareTrainingSet: NodejsFunction;
  readonly stateMachine: StateMachine;
  readonly stateMachineLogs: LogGroup;

  constructor(scope: Construct, id: string, props: TrainingProps) {
    super(scope, id);
    const { config, photos } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = config.logRetentionDays as RetentionDays;
    const layers = props.sharpLayer ? [{ layer: props.sharpLayer, provides: ['sharp'] }] : [];

    this.validateImages = new PipelineFunction(this, 'ValidateImages', {
      entry: 'functions/validation/validate-images.handler.ts',
      localHandler: 'validateImages',
      description: 'Checks every photo of a sealed subject and the set as a whole; explains each rejection',
      // Decoding up to 15 photos of up to 50 Mpx with sharp; memory also buys CPU on Lambda.
      memorySize: 3008,
      timeout: Duration.minutes(5),
      layers,
      logRetention,
      removalPolicy,
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

    this.prepareTrainingSet = new PipelineFunction(this, 'PrepareTrainingSet', {
      entry: 'functions/training-set/prepare-training-set.handler.ts',
      localHandler: 'prepareTrainingSet',
      description: 'Crops the usable photos to face-centred squares and writes the training set manifest',
      memorySize: 2048,
      timeout: Duration.minutes(5),
      layers,
      logRetention,
      removalPolicy,
      environment: {
        PHOTO_BUCKET: photos.bucket.bucketName,
        TRAINING_RESOLUTION: String(config.trainingResolution),
        TRAINING_PREFIX,
      },
    }).function;
    photos.grantReadSubjects(this.prepareTrainingSet);
    photos.grantReadWriteTrainingSets(this.prepareTrainingSet);

    // Execution data (photo keys, subject ids) lands in these logs: encrypt them with our own key.
    const logsKey = new Key(this, 'StateMachineLogsKey', {
      description: 'Encrypts the training state machine execution logs',
      enableKeyRotation: true,
      removalPolicy,
    });
    const stack = Stack.of(this);
    logsKey.grantEncryptDecrypt(new ServicePrincipal(`logs.${stack.region}.amazonaws.com`));
    this.stateMachineLogs = new LogGroup(this, 'StateMachineLogs', {
      // The /aws/vendedlogs/ prefix keeps the log group resource policy short when several machines log.
      logGroupName: `/aws/vendedlogs/states/${stack.stackName}-training`,
      retention: logRetention,
      encryptionKey: logsKey,
      removalPolicy,
    });

    const workflow = buildTrainingWorkflow(this, {
      validateImages: this.validateImages,
      prepareTrainingSet: this.prepareTrainingSet,
      bus: props.bus,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: `${stack.stackName}-training`,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: workflow.definitionBody,
      comment: 'Validates a sealed subject, prepares its training set and publishes the outcome',
      tracingEnabled: true,
      logs: { destination: this.stateMachineLogs, level: LogLevel.ALL, includeExecutionData: true },
      // Bounded: validation and preparation take minutes; a stuck execution should fail and say so.
      timeout: Duration.hours(1),
    });

    // The local runtime finds this workflow in the synthesized template by this entry.
    (this.stateMachine.node.defaultChild as CfnResource).addMetadata(WORKFLOW_METADATA_KEY, 'training');

    const defaultPolicy = this.stateMachine.role.node.findChild('DefaultPolicy');
    Validations.of(defaultPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Log delivery (logs:CreateLogDelivery & co.) and X-Ray (xray:PutTraceSegments & co.) do not support resource-level permissions.',
    });
    for (const fn of [this.validateImages, this.prepareTrainingSet]) {
      Validations.of(defaultPolicy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as never)}.Arn>:*]`,
        reason:
          'lambda:InvokeFunction on the function and its versions/aliases (ARN:*), as the Step Functions Lambda integration grants; no other function.',
      });
    }
  }
}

function unreachable(message: string): never {
  throw new Error(message);
}
