import { Annotations, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { PipelineConfig } from './config.js';
import { Api } from './constructs/api.js';
import { checkBaseModelSource } from './constructs/base-model.js';
import { Erasure } from './constructs/erasure.js';
import { Generation } from './constructs/generation.js';
import { Hosting } from './constructs/hosting.js';
import { Ingest } from './constructs/ingest.js';
import { IsolatedNetwork } from './constructs/isolated-network.js';
import { Keys } from './constructs/keys.js';
import { Notification } from './constructs/notification.js';
import { Observability, operationsDashboardName } from './constructs/observability.js';
import { Operations } from './constructs/operations.js';
import { PartnerEvents } from './constructs/partner-events.js';
import { PhotoStore } from './constructs/photo-store.js';
import { SharpLayer } from './constructs/sharp-layer.js';
import { Training } from './constructs/training.js';
import { TrainingHost } from './constructs/training-host.js';
import { Webhooks } from './constructs/webhooks.js';

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
  /** The customer-managed keys, by data class: personal data, logs, messages (see `Keys`). */
  readonly keys: Keys;
  /**
   * The isolated network of the SageMaker endpoints.
   * @default - with `isolatedNetwork=false`, none: the endpoints use SageMaker's default network
   */
  readonly network?: IsolatedNetwork;
  readonly photos: PhotoStore;
  readonly notification: Notification;
  readonly training: Training;
  readonly ingest: Ingest;
  readonly erasure: Erasure;
  /** The DreamBooth trainer: asynchronous SageMaker endpoint that scales to zero, with success/error topics. */
  readonly trainingHost: TrainingHost;
  /** The GPU multi-model endpoint that serves every subject's model, and the model registry. */
  readonly hosting: Hosting;
  /** Avatars on demand: prompt screening, generation on the MME, image screening, presigned links. */
  readonly generation: Generation;
  /** The operator's dashboard and the alarms. */
  readonly operations: Operations;
  readonly observability: Observability;
  /** The HTTP API (/v1): API keys, subjects, uploads, status, generations. */
  readonly api: Api;
  /** Signed webhooks to client apps: endpoints, secrets, the delivery workflow and its dead-letter queues. */
  readonly webhooks: Webhooks;
  /** The bus policy admitting partners, and the bus archive. */
  readonly partnerEvents: PartnerEvents;

  constructor(scope: Construct, id: string, props: AvatarPipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;

    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.keys = new Keys(this, 'Keys', { removalPolicy });
    const keys = this.keys;

    this.photos = new PhotoStore(this, 'Photos', { retainData: config.retainData, retention: config, keys });
    this.notification = new Notification(this, 'Notification', {
      eventBusName: config.eventBusName,
      notificationEmail: config.notificationEmail,
      messagesKey: keys.messages,
    });
    if (config.isolatedNetwork) {
      this.network = new IsolatedNetwork(this, 'Network', {
        logRetention: config.logRetentionDays as RetentionDays,
        logsKey: keys.logs,
        removalPolicy,
      });
    } else {
      Annotations.of(this).addWarningV2(
        'avatar-pipeline:network-not-isolated',
        "isolatedNetwork=false: the SageMaker endpoints run in SageMaker's default network, with internet access. A compromised training container could send face crops anywhere; deploy with isolatedNetwork=true (the default) for production.",
      );
    }
    checkBaseModelSource(this, config, this.network);
    this.trainingHost = new TrainingHost(this, 'TrainingHost', {
      config,
      photos: this.photos,
      keys,
      network: this.network,
    });
    this.hosting = new Hosting(this, 'Hosting', { config, photos: this.photos, keys, network: this.network });
    const sharp = config.sharpLayer
      ? new SharpLayer(this, 'SharpLayer', {
          removalPolicy,
        })
      : undefined;
    // First the ledger and the settle function (the training workflow's first task), then the workflow, then
    // the functions that start it.
    this.ingest = new Ingest(this, 'Ingest', { config, photos: this.photos, keys });
    this.training = new Training(this, 'Training', {
      config,
      photos: this.photos,
      bus: this.notification.bus,
      sharpLayer: sharp?.layer,
      trainingHost: this.trainingHost,
      hosting: this.hosting,
      ingest: this.ingest,
      keys,
    });
    this.ingest.startTrainingWith(this.training.stateMachine);
    // After training (whose Model Ready starts it) and ingest (whose ledger it reads).
    this.generation = new Generation(this, 'Generation', {
      config,
      photos: this.photos,
      bus: this.notification.bus,
      hosting: this.hosting,
      ledger: this.ingest.ledger,
      keys,
    });
    this.webhooks = new Webhooks(this, 'Webhooks', {
      config,
      bus: this.notification.bus,
      ledger: this.ingest.ledger,
      keys,
    });
    // After both workflows it stops, and every store it erases.
    this.erasure = new Erasure(this, 'Erasure', {
      config,
      photos: this.photos,
      bus: this.notification.bus,
      ledger: this.ingest.ledger,
      registry: this.hosting.registry,
      trainingState: this.training.stateTable,
      webhooks: this.webhooks.table,
      trainingStateMachine: this.training.stateMachine,
      generationStateMachine: this.generation.stateMachine,
      keys,
    });
    this.api = new Api(this, 'Api', {
      config,
      photos: this.photos,
      keys,
      ledger: this.ingest.ledger,
      trainingState: this.training.stateTable,
      modelRegistry: this.hosting.registry,
      trainingStateMachine: this.training.stateMachine,
      generationStateMachine: this.generation.stateMachine,
      erasureStateMachine: this.erasure.stateMachine,
      webhooksTable: this.webhooks.table,
    });
    this.partnerEvents = new PartnerEvents(this, 'PartnerEvents', {
      bus: this.notification.bus,
      partnerAccounts: JSON.parse(config.partnerAccounts) as Record<string, string>,
      partnerOrganizationId: config.partnerOrganizationId,
      archiveRetentionDays: config.eventArchiveRetentionDays,
    });
    if (config.webhookLoopbackReceivers) {
      Annotations.of(this).addWarningV2(
        'avatar-pipeline:webhook-loopback-receivers',
        'webhookLoopbackReceivers=true: webhooks may go to loopback addresses over plain http. Only the local runtime should set it.',
      );
    }
    this.operations = new Operations(this, 'Operations', {
      config,
      keys,
      bus: this.notification.bus,
      topic: this.notification.topic,
      dashboardName: operationsDashboardName(config),
    });
    this.observability = new Observability(this, 'Observability', {
      config,
      trainingStateMachine: this.training.stateMachine,
      deadLetterQueue: this.ingest.photoEventsDeadLetters,
      otherDeadLetterQueues: [
        {
          id: 'WebhookMessagesDeadLettered',
          queue: this.webhooks.deadLetters,
          description:
            'Webhook messages whose retries are spent (or whose endpoint was disabled) landed in the webhooks DLQ: see functions/webhooks/README.md for the redrive command.',
        },
        {
          id: 'WebhookEventsDeadLettered',
          queue: this.webhooks.ruleDeadLetters,
          description:
            'Pipeline events could not start the webhooks workflow: their clients were not told. Re-drive the DLQ.',
        },
        {
          id: 'ErasureRequestsDeadLettered',
          queue: this.erasure.erasureRequestedDeadLetters,
          description:
            'A partner erasure request could not start the erasure workflow: a person asked for their data to go. Re-drive the DLQ now.',
        },
        {
          id: 'OutcomeEventsDeadLettered',
          queue: this.operations.countingDeadLetters,
          description:
            'Outcome events could not be counted: the dashboard and the daily summary undercount until the DLQ is re-driven.',
        },
      ],
      generationStateMachine: this.generation.stateMachine,
      generationDeadLetterQueues: [
        this.generation.modelReadyDeadLetters,
        this.generation.generationRequestedDeadLetters,
      ],
      topic: this.notification.topic,
      startTraining: this.training.startTraining,
      trainingEndpointName: this.trainingHost.endpointName,
      servingEndpointName: this.hosting.endpointName,
      variantName: this.trainingHost.variantName,
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
