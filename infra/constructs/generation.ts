import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Match, Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Effect, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../events/pipeline-events.js';
import { AVATARS_PREFIX, QUARANTINE_PREFIX } from '../../functions/platform/bucket-layout.js';
import { TASKS } from '../../functions/task-registry.js';
import { buildGenerationWorkflow } from '../../state-machines/generation/workflow.js';
import type { PipelineConfig } from '../config.js';
import { deadLetterQueue } from './dead-letter-queue.js';
import type { Hosting } from './hosting.js';
import type { Keys } from './keys.js';
import type { PhotoStore } from './photo-store.js';
import { pipelineFunctions } from './pipeline-function.js';
import { createWorkflowStateMachine } from './workflow-state-machine.js';

/** Longest prompt ScreenPrompts accepts, in UTF-8 bytes: Comprehend DetectToxicContent takes segments of <= 1 KB. */
export const MAX_PROMPT_BYTES = 1024;

/** Detail-types that start a generation (see events/). */
export const MODEL_READY = 'Model Ready';
export const AVATAR_GENERATION_REQUESTED = 'Avatar Generation Requested';

export interface GenerationProps {
  /** The pipeline's settings: request limits, image concurrency, screening and moderation, retention, log retention. */
  readonly config: PipelineConfig;
  /** The ingest bucket: GenerateScreenedImage writes avatars and quarantined images there, CompileAvatars links them. */
  readonly photos: PhotoStore;
  /** The pipeline's own bus: the rules that start a generation listen on it, and the workflow publishes on it. */
  readonly bus: IEventBus;
  /** The multi-model endpoint that generates, and the model registry (which version of a subject is current). */
  readonly hosting: Hosting;
  /** The subject ledger of ingest (PrepareGeneration reads a subject's row: known, sealed, trained). */
  readonly ledger: ITable;
  /** The pipeline's keys: data (tables, bucket), logs (log groups), messages (dead-letter queues). */
  readonly keys: Keys;
}

/**
 * From a deployed model (or a partner's request) to avatars: PrepareGeneration (checks the request, plans the
 * prompts and seeds), ScreenPrompts (deny list, language and Comprehend toxicity), GenerateScreenedImage (the
 * multi-model endpoint, then Rekognition moderation, regenerating blocked images), CompileAvatars (presigned links),
 * the generation state machine that runs them (state-machines/generation/workflow.ts), and the two rules on the
 * pipeline bus that start it: our own `Model Ready`, and `Avatar Generation Requested` from partners.
 *
 * Partners: a partner puts its request with its own `source` (any but `avatar-pipeline`, which the rule refuses for
 * this detail-type); a principal of this account only needs events:PutEvents on the bus in its own IAM policy. Another
 * account is let in by a statement of the bus's resource policy, never by opening the bus to `*`, e.g.
 * `bus.addToResourcePolicy(new PolicyStatement({ sid: 'PartnerGenerationRequests', principals: [new
 * AccountPrincipal('<partner account>')], actions: ['events:PutEvents'], resources: [bus.eventBusArn], conditions:
 * { StringEquals: { 'events:detail-type': 'Avatar Generation Requested' } } }))`: the detail-type condition keeps a
 * partner from sending our own events (`Model Ready`, ...). Not done here: which partners is the deployer's choice.
 *
 * Presigned links: a presigned URL is valid at most as long as the credentials that signed it. CompileAvatars signs
 * with its Lambda role's temporary credentials, which expire within hours (and are refreshed by Lambda), so a link's
 * real lifetime is min(LINK_EXPIRY_SECONDS, what is left of the signing session), not `linkExpirySeconds` alone.
 * Links that really last days need long-term credentials (an IAM user's keys) or CloudFront signed URLs.
 */
export class Generation extends Construct {
  readonly prepareGeneration: NodejsFunction;
  readonly screenPrompts: NodejsFunction;
  readonly generateScreenedImage: NodejsFunction;
  readonly compileAvatars: NodejsFunction;
  readonly stateMachine: StateMachine;
  readonly stateMachineLogs: LogGroup;
  /** Starts a generation on our own `Model Ready`. */
  readonly modelReadyRule: Rule;
  /** Starts a generation on `Avatar Generation Requested` from a partner's own source (any but ours). */
  readonly generationRequestedRule: Rule;
  readonly modelReadyDeadLetters: Queue;
  readonly generationRequestedDeadLetters: Queue;

  constructor(scope: Construct, id: string, props: GenerationProps) {
    super(scope, id);
    const { config, photos, hosting, ledger, bus, keys } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = config.logRetentionDays as RetentionDays;

    const fn = pipelineFunctions(this, { logRetention, removalPolicy, logsKey: keys.logs });

    this.prepareGeneration = fn(
      'PrepareGeneration',
      TASKS.prepareGeneration,
      'Checks a generation request against the ledger and the model registry; plans prompts and seeds',
      {
        LEDGER_TABLE: ledger.tableName,
        MODEL_REGISTRY_TABLE: hosting.registry.tableName,
        MAX_IMAGES_PER_REQUEST: String(config.maxImagesPerRequest),
        PARTNER_ACCOUNTS: config.partnerAccounts,
        OWN_ACCOUNT: Stack.of(this).account,
      },
    );
    // GetItem on the tables themselves: Table.grant would add the ledger's index ARNs, which GetItem never needs.
    this.prepareGeneration.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:GetItem'],
        resources: [ledger.tableArn, hosting.registry.tableArn],
      }),
    );
    keys.grantDataKey(this.prepareGeneration, 'dynamodb', 'read');

    this.screenPrompts = fn(
      'ScreenPrompts',
      TASKS.screenPrompts,
      'Screens the prompts: length, deny list, language and Comprehend toxicity',
      {
        DENY_LIST_EXTRA: config.promptDenyList,
        // Empty: the built-in thresholds.
        TOXICITY_THRESHOLDS: config.toxicityThresholds ?? '',
        NON_ENGLISH_POLICY: config.nonEnglishPromptPolicy,
        MAX_PROMPT_BYTES: String(MAX_PROMPT_BYTES),
      },
      // Up to 20 prompts: a language detection each and batched toxicity calls, with backoff when throttled;
      // below the workflow's 120 s task timeout, so that the function's own error is what the workflow sees.
      { timeout: Duration.seconds(60) },
    );
    this.allowResourceless(
      'PromptScreeningPolicy',
      this.screenPrompts,
      ['comprehend:DetectToxicContent', 'comprehend:DetectDominantLanguage'],
      'Comprehend\'s real-time DetectToxicContent and DetectDominantLanguage analyse text, not resources: IAM only accepts "*" for them.',
    );

    this.generateScreenedImage = fn(
      'GenerateScreenedImage',
      TASKS.generateScreenedImage,
      'Generates one avatar on the multi-model endpoint, screens it with Rekognition, regenerates blocked images',
      {
        SERVING_ENDPOINT: hosting.endpointName,
        PHOTO_BUCKET: photos.bucket.bucketName,
        MAX_REGENERATIONS: String(config.maxRegenerations),
        BLOCKED_CATEGORIES: config.blockedImageCategories,
        MODERATION_MIN_CONFIDENCE: String(config.imageModerationMinConfidence),
      },
      // Up to 1 + maxRegenerations real-time invocations (each up to 60 s, a cold model load included) and screenings.
      // It only moves bytes (the PNG to Rekognition and S3) while it mostly waits for the GPU, and a Lambda is
      // billed for its memory while it waits: 256 MB keeps that wait a small fraction of the GPU cost per avatar.
      { timeout: Duration.minutes(10), memorySize: 256 },
    );
    hosting.grantInvoke(this.generateScreenedImage);
    photos.grantWritePrefix(this.generateScreenedImage, AVATARS_PREFIX);
    photos.grantWritePrefix(this.generateScreenedImage, QUARANTINE_PREFIX);
    this.allowResourceless(
      'ImageModerationPolicy',
      this.generateScreenedImage,
      ['rekognition:DetectModerationLabels'],
      'rekognition:DetectModerationLabels acts on images, not on resources: IAM only accepts "*" for it.',
    );

    this.compileAvatars = fn(
      'CompileAvatars',
      TASKS.compileAvatars,
      'Gathers the delivered avatars into Avatars Ready (their keys, never links) or Generation Failed',
      {},
    );
    // No S3 access: events carry keys, and only the API issues links, to the owner, at read time (issue 11).

    const workflow = buildGenerationWorkflow(this, {
      prepareGeneration: this.prepareGeneration,
      screenPrompts: this.screenPrompts,
      generateScreenedImage: this.generateScreenedImage,
      compileAvatars: this.compileAvatars,
      bus,
      imageConcurrency: config.imageConcurrency,
    });
    ({ stateMachine: this.stateMachine, logs: this.stateMachineLogs } = createWorkflowStateMachine(this, {
      workflow: 'generation',
      definitionBody: workflow.definitionBody,
      comment:
        'Screens the prompts of a generation request, generates and screens each avatar, and publishes the outcome',
      // Screening with regenerations can run for minutes; a request must run exactly once (Standard).
      timeout: Duration.hours(2),
      tasks: [this.prepareGeneration, this.screenPrompts, this.generateScreenedImage, this.compileAvatars],
      removalPolicy,
      logRetention,
      logsKey: keys.logs,
      logLevel: config.workflowLogLevel,
      includeExecutionData: config.workflowLogExecutionData,
    }));

    // Events EventBridge could not deliver after its retries: kept 14 days for a re-drive, never dropped.
    const deadLetters = (queueId: string, rule: string) =>
      deadLetterQueue(this, queueId, keys, `the ${rule} rule`);
    this.modelReadyDeadLetters = deadLetters('ModelReadyDeadLetters', MODEL_READY);
    this.generationRequestedDeadLetters = deadLetters(
      'GenerationRequestedDeadLetters',
      AVATAR_GENERATION_REQUESTED,
    );
    // No input transformer: the execution input is the whole event (GenerationExecutionInput).
    const startGeneration = (deadLetterQueue: Queue) =>
      new SfnStateMachine(this.stateMachine, {
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
        deadLetterQueue,
      });

    this.modelReadyRule = new Rule(this, 'ModelReadyRule', {
      eventBus: bus,
      description: 'A newly deployed model: generate its first avatars',
      eventPattern: { source: [EVENT_SOURCE], detailType: [MODEL_READY] },
      targets: [startGeneration(this.modelReadyDeadLetters)],
    });
    // A partner's own source, anything but ours: `avatar-pipeline` is the pipeline's alone, so no event can claim
    // to be a request the pipeline made (see the class comment for another account). PrepareGeneration still
    // checks every request, and a Model Ready only starts a generation for a model the registry holds.
    this.generationRequestedRule = new Rule(this, 'GenerationRequestedRule', {
      eventBus: bus,
      description: 'A request for avatars of a subject whose model is deployed (partners or the API)',
      eventPattern: { source: Match.anythingBut(EVENT_SOURCE), detailType: [AVATAR_GENERATION_REQUESTED] },
      targets: [startGeneration(this.generationRequestedDeadLetters)],
    });
  }

  /** Actions that take no resource ARN, in a policy of their own so that its `*` is acknowledged for them alone. */
  private allowResourceless(id: string, grantee: NodejsFunction, actions: string[], reason: string): void {
    const policy = new Policy(this, id, {
      statements: [new PolicyStatement({ effect: Effect.ALLOW, actions, resources: ['*'] })],
    });
    policy.attachToRole(grantee.role ?? unreachable(`${grantee.node.path} has no role`));
    Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason });
  }
}

function unreachable(message: string): never {
  throw new Error(message);
}
