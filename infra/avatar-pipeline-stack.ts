import { RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PipelineConfig } from './config.js';
import { Generation } from './constructs/generation.js';
import { Hosting } from './constructs/hosting.js';
import { Ingest } from './constructs/ingest.js';
import { Notification } from './constructs/notification.js';
import { Observability } from './constructs/observability.js';
import { PhotoStore } from './constructs/photo-store.js';
import { SharpLayer } from './constructs/sharp-layer.js';
import { Training } from './constructs/training.js';
import { TrainingHost } from './constructs/training-host.js';

export interface AvatarPipelineStackProps extends StackProps {
  /** The parsed context (`infra/config.ts`): every construct of the stack takes its settings from it. */
  readonly config: PipelineConfig;
}

/**
 * The whole pipeline in one stack. Constructs follow the capabilities: photos (bucket), ingest (ledger and
 * sealing), training (validation, training set, state machine), training host (the SageMaker async endpoint that
 * fine-tunes), hosting (the multi-model endpoint that serves), generation (avatars on demand), notification (bus
 * and topic), observability.
 */
export class AvatarPipelineStack extends Stack {
  readonly config: PipelineConfig;
  readonly photos: PhotoStore;
  readonly notification: Notification;
  readonly training: Training;
  readonly ingest: Ingest;
  /** The DreamBooth trainer: asynchronous SageMaker endpoint that scales to zero, with success/error topics. */
  readonly trainingHost: TrainingHost;
  /** The GPU multi-model endpoint that serves every subject's model, and the model registry. */
  readonly hosting: Hosting;
  /** Avatars on demand: prompt screening, generation on the MME, image screening, presigned links. */
  readonly generation: Generation;

  constructor(scope: Construct, id: string, props: AvatarPipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;

    this.photos = new PhotoStore(this, 'Photos', { retainData: config.retainData });
    this.notification = new Notification(this, 'Notification', {
      eventBusName: config.eventBusName,
      notificationEmail: config.notificationEmail,
    });
    this.trainingHost = new TrainingHost(this, 'TrainingHost', { config, photos: this.photos });
    this.hosting = new Hosting(this, 'Hosting', { config, photos: this.photos });
    const sharp = config.sharpLayer
      ? new SharpLayer(this, 'SharpLayer', {
          removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        })
      : undefined;
    // First the ledger and the settle function (the training workflow's first task), then the workflow, then
    // the functions that start it.
    this.ingest = new Ingest(this, 'Ingest', { config, photos: this.photos });
    this.training = new Training(this, 'Training', {
      config,
      photos: this.photos,
      bus: this.notification.bus,
      sharpLayer: sharp?.layer,
      trainingHost: this.trainingHost,
      hosting: this.hosting,
      ingest: this.ingest,
    });
    this.ingest.startTrainingWith(this.training.stateMachine);
    // After training (whose Model Ready starts it) and ingest (whose ledger it reads).
    this.generation = new Generation(this, 'Generation', {
      config,
      photos: this.photos,
      bus: this.notification.bus,
      hosting: this.hosting,
      ledger: this.ingest.ledger,
    });
    new Observability(this, 'Observability', {
      trainingStateMachine: this.training.stateMachine,
      deadLetterQueue: this.ingest.photoEventsDeadLetters,
      generationStateMachine: this.generation.stateMachine,
      generationDeadLetterQueues: [
        this.generation.modelReadyDeadLetters,
        this.generation.generationRequestedDeadLetters,
      ],
      topic: this.notification.topic,
    });

    this.acknowledgeCdkSingletons();
  }

  /**
   * The function CDK adds at stack level to switch the bucket's EventBridge notifications on: its code and role
   * are CDK's, not ours to change.
   */
  private acknowledgeCdkSingletons(): void {
    for (const child of this.node.children) {
      const id = child.node.id;
      if (id.startsWith('BucketNotificationsHandler')) {
        Validations.of(child).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: `${id} is CDK's singleton that configures bucket notifications at deploy time; CDK gives its role the basic execution policy.`,
        });
      }
    }
  }
}
