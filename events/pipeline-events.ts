import * as z from 'zod';
import { DEFAULT_TENANT_ID, ImageSetId, SubjectId, TenantId } from './identifiers.js';
import { ChecksPerformedBy, ExcludedPhoto, UsedPhoto } from './photo-verdicts.js';
import { RunMode } from './run-mode.js';
import { SubjectSettings } from './subject-settings.js';

/** `source` of every event the pipeline publishes on its own bus. */
export const EVENT_SOURCE = 'avatar-pipeline';

/** The tenant of every event we publish (a partner's rule matches only its own); absent means the default tenant. */
const EventTenant = TenantId.default(DEFAULT_TENANT_ID);

/** Every event of a dry run says `dry-run`; absent means live. */
const EventMode = RunMode.optional();

const Envelope = {
  version: z.literal(1).describe('Version of this detail schema'),
  tenantId: EventTenant,
  mode: EventMode,
  subjectId: SubjectId,
  imageSetId: ImageSetId,
};

export const PhotoRef = z.object({
  key: z.string(),
  size: z.number().int().nonnegative(),
  etag: z.string(),
});
export type PhotoRef = z.infer<typeof PhotoRef>;

export const SubjectReceived = z.object({
  ...Envelope,
  sealedBy: z
    .enum(['subject-json', 'photo-list-complete', 'quiet-period', 'incomplete-timeout'])
    .describe(
      'subject-json: the settle period after subject.json passed with no new object; photo-list-complete: every photo subject.json named (or counted) arrived; quiet-period: no subject.json, enough photos, no new object for the quiet period; incomplete-timeout: too few photos and no new object for the incomplete timeout',
    ),
  photos: z.array(PhotoRef).describe('Every candidate photo in the sealed set'),
  ignoredFiles: z.array(z.string()).describe('Folder junk such as .DS_Store, not counted as photos'),
  ignoredFileReasons: z
    .array(z.object({ key: z.string(), reason: z.string() }))
    .optional()
    .describe('Why each ignored file was not counted (junk, a settings file in the wrong place)'),
  supersedes: ImageSetId.optional().describe(
    'The image set of this subject that this one replaced (new objects arrived after it was sealed)',
  ),
  settings: SubjectSettings,
  settingsProblem: z
    .string()
    .optional()
    .describe('Why subject.json could not be used; the subject is then rejected with this reason'),
});
export type SubjectReceived = z.infer<typeof SubjectReceived>;

export const SubjectRejected = z.object({
  ...Envelope,
  reason: z.string().describe('Why the subject as a whole cannot be used'),
  advice: z.string().describe('What to do to get the subject accepted'),
  usablePhotoCount: z.number().int().nonnegative(),
  requiredPhotoCount: z.number().int().positive(),
  photosExcluded: z.array(ExcludedPhoto),
  checks: ChecksPerformedBy,
  folder: z
    .string()
    .optional()
    .describe('For a folder whose name is not a valid subject id: the name as it was dropped'),
  suggestedSubjectId: SubjectId.optional().describe('A valid subject id close to the folder name'),
});
export type SubjectRejected = z.infer<typeof SubjectRejected>;

export const TrainingSetSummary = z.object({
  manifestKey: z.string(),
  prefix: z.string(),
  resolution: z.number().int().positive(),
  imageCount: z.number().int().positive(),
  instancePrompt: z.string(),
  classPrompt: z.string(),
});
export type TrainingSetSummary = z.infer<typeof TrainingSetSummary>;

export const SubjectAccepted = z.object({
  ...Envelope,
  photosUsed: z.array(UsedPhoto),
  photosExcluded: z.array(ExcludedPhoto),
  checks: ChecksPerformedBy,
  trainingSet: TrainingSetSummary,
});
export type SubjectAccepted = z.infer<typeof SubjectAccepted>;

export const SubjectProcessingFailed = z.object({
  ...Envelope,
  imageSetId: ImageSetId.optional().describe('Absent when the failure came before the set was sealed'),
  stage: z.string().describe('State of the workflow that failed'),
  error: z.string(),
  cause: z.string(),
  advice: z.string(),
});
export type SubjectProcessingFailed = z.infer<typeof SubjectProcessingFailed>;

const ModelVersion = z
  .string()
  .regex(/^v-[a-f0-9]{12}$/)
  .describe(
    'Content hash of image set, hyperparameters and base model: the same inputs give the same version',
  );

const HyperparametersSchema = z.object({
  resolution: z.number().int(),
  maxTrainSteps: z.number().int(),
  learningRate: z.number(),
  loraRank: z.number().int(),
  textEncoderRank: z.number().int(),
  trainTextEncoder: z.boolean(),
  priorPreservation: z.boolean(),
  numClassImages: z.number().int(),
  priorLossWeight: z.number(),
  seed: z.number().int(),
  mixedPrecision: z.enum(['fp16', 'bf16', 'no']),
});

/** Who trained and serves: never let a local stand-in (or the tiny random model of `--trainer tiny`) pass for SageMaker. */
const PerformedBy = z.enum([
  'amazon-sagemaker',
  'local-stand-in',
  'local-container',
  'tiny-model',
  'dry-run-stand-in',
]);

export const TrainingStarted = z.object({
  ...Envelope,
  modelVersion: ModelVersion,
  baseModel: z.string(),
  hyperparameters: HyperparametersSchema,
  queuedSeconds: z.number().nonnegative().describe('Time spent waiting for training capacity'),
  trainedBy: PerformedBy,
});
export type TrainingStarted = z.infer<typeof TrainingStarted>;

export const TrainingFailed = z.object({
  ...Envelope,
  modelVersion: ModelVersion.optional(),
  stage: z.string().describe('State of the workflow that failed'),
  reason: z.string(),
  retryable: z
    .boolean()
    .describe('Whether starting the same training again can succeed without changing anything'),
  advice: z.string(),
});
export type TrainingFailed = z.infer<typeof TrainingFailed>;

export const ModelReady = z.object({
  ...Envelope,
  modelVersion: ModelVersion,
  targetModel: z
    .string()
    .describe('TargetModel for InvokeEndpoint on the multi-model endpoint: <subjectId>/<version>.tar.gz'),
  baseModel: z.string(),
  adapterBytes: z.number().int().nonnegative(),
  trainingSeconds: z.number().nonnegative(),
  warmUpSeconds: z.number().nonnegative(),
  servedBy: PerformedBy,
});
export type ModelReady = z.infer<typeof ModelReady>;

const CorrelationId = z
  .string()
  .min(1)
  .max(128)
  .describe('The id a partner gave its request; it comes back in every resulting event');

/** Who generated and who screened the images: never let a stand-in pass for SageMaker or Rekognition. */
const GeneratedBy = z.enum(['amazon-sagemaker', 'local-stand-in', 'tiny-model', 'dry-run-stand-in']);
const ScreenedBy = z
  .enum(['amazon-rekognition', 'amazon-comprehend', 'local-stand-in', 'avatar-pipeline'])
  .describe('avatar-pipeline: our own rules (deny-list, length, empty), the same on AWS and locally');

/**
 * Partners ask for more avatars of a subject's current model (detail-type `Avatar Generation Requested`), put on
 * the pipeline's bus with their own `source` (e.g. `partner.example.games`); an event with source
 * `avatar-pipeline` and this detail-type starts nothing.
 */
export const AvatarGenerationRequested = z
  .object({
    version: z.literal(1),
    subjectId: SubjectId,
    prompts: z.array(z.string().min(1).max(4000)).min(1).max(20).optional(),
    styles: z.array(z.string().min(1).max(60)).min(1).max(20).optional(),
    imagesPerPrompt: z.number().int().min(1).max(8).optional(),
    correlationId: CorrelationId.optional(),
    mode: RunMode.optional().describe(
      'dry-run: generate with the stand-in, no GPU time (a model trained in a dry run is always served so)',
    ),
  })
  .strict();
export type AvatarGenerationRequested = z.infer<typeof AvatarGenerationRequested>;

export const RequestRejected = z.object({
  version: z.literal(1),
  tenantId: EventTenant,
  mode: EventMode,
  subjectId: z.string().describe('As sent (empty when the request had none)'),
  correlationId: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })),
  advice: z.string(),
});
export type RequestRejected = z.infer<typeof RequestRejected>;

export const PromptRejected = z.object({
  version: z.literal(1),
  tenantId: EventTenant,
  mode: EventMode,
  subjectId: SubjectId,
  modelVersion: ModelVersion,
  correlationId: CorrelationId.optional(),
  promptId: z.string(),
  prompt: z.string().describe('The prompt as requested (cut to 300 characters)'),
  rule: z.enum(['deny-list', 'toxicity', 'language', 'length', 'empty']),
  label: z.string().optional().describe('The Comprehend label or the deny-list entry that matched'),
  score: z.number().min(0).max(1).optional(),
  reason: z.string(),
  advice: z.string(),
  screenedBy: ScreenedBy,
});
export type PromptRejected = z.infer<typeof PromptRejected>;

/**
 * A delivered avatar, by its object key only: events are broadcast (bus rules, partners), so they never carry a
 * link. The owner gets a link, valid at most an hour, from the HTTP API when reading (`avatarLinksFor`).
 */
const DeliveredImage = z
  .object({
    key: z
      .string()
      .describe('avatars/<tenantId>/<subjectId>/<modelVersion>/<requestId>/<promptId>-<index>.png'),
    seed: z.number().int(),
  })
  .strict();
const WithheldImage = z.object({
  seed: z.number().int().describe('The last seed tried'),
  attempts: z.number().int().positive(),
  reason: z.string(),
});

export const AvatarsReady = z.object({
  version: z.literal(1),
  tenantId: EventTenant,
  mode: EventMode,
  subjectId: SubjectId,
  modelVersion: ModelVersion,
  targetModel: z.string(),
  generationId: z
    .string()
    .optional()
    .describe('The request whose avatars these are: the API issues their links by it (avatarLinksFor)'),
  correlationId: CorrelationId.optional(),
  requestedBy: z.enum(['model-ready', 'partner']),
  prompts: z.array(
    z.object({
      promptId: z.string(),
      prompt: z.string(),
      style: z.string().optional(),
      delivered: z.array(DeliveredImage),
      withheld: z.array(WithheldImage),
    }),
  ),
  counts: z.object({
    promptsRequested: z.number().int().nonnegative(),
    promptsRejected: z.number().int().nonnegative(),
    imagesDelivered: z.number().int().nonnegative(),
    imagesWithheld: z.number().int().nonnegative(),
    imagesBlocked: z.number().int().nonnegative().describe('Generated, then blocked by image screening'),
    regenerations: z.number().int().nonnegative(),
  }),
  generatedBy: GeneratedBy,
  screenedBy: ScreenedBy,
});
export type AvatarsReady = z.infer<typeof AvatarsReady>;

export const GenerationFailed = z.object({
  version: z.literal(1),
  tenantId: EventTenant,
  mode: EventMode,
  subjectId: SubjectId,
  modelVersion: ModelVersion.optional(),
  correlationId: CorrelationId.optional(),
  reason: z.string(),
  advice: z.string(),
});
export type GenerationFailed = z.infer<typeof GenerationFailed>;

/**
 * A sealed set that never trained because new objects arrived before it took a training slot: the newer set
 * (its own Subject Received follows) replaces it, so one folder drop is trained once.
 */
export const ImageSetSuperseded = z.object({
  ...Envelope,
  reason: z.string(),
  advice: z.string(),
});
export type ImageSetSuperseded = z.infer<typeof ImageSetSuperseded>;

/**
 * A tenant's webhook endpoint was disabled: it answered 410 Gone (at once), or every attempt failed for 5 days.
 * Nothing more is sent to it; the API shows it disabled with this reason.
 */
export const WebhookEndpointDisabled = z.object({
  version: z.literal(1),
  tenantId: EventTenant,
  endpointId: z.string().describe('The endpoint, as the API names it (ep_...)'),
  url: z.string().describe('Its URL'),
  reason: z
    .enum(['gone', 'failing'])
    .describe('gone: it answered 410; failing: every attempt failed for 5 days'),
  message: z.string().describe('What happened, in words'),
  advice: z.string(),
  disabledAt: z.string(),
});
export type WebhookEndpointDisabled = z.infer<typeof WebhookEndpointDisabled>;

/**
 * Partners ask for a subject to be erased (detail-type `Subject Erasure Requested`), with their own `source`; the
 * account that put the event decides the tenant, as for `Avatar Generation Requested`. The HTTP API's
 * `DELETE /v1/subjects/{id}` and `npm start -- erase` start the same workflow.
 */
export const SubjectErasureRequested = z
  .object({
    version: z.literal(1),
    subjectId: SubjectId,
    correlationId: CorrelationId.optional(),
  })
  .strict();
export type SubjectErasureRequested = z.infer<typeof SubjectErasureRequested>;

const ErasureId = z
  .string()
  .regex(/^erasure-[a-f0-9]{24}$/)
  .describe('The erasure: the DELETE answer names it, and Subject Erased carries it');

/** What one erasure deleted under one prefix of the bucket, and what a re-list found left (always 0 on success). */
const ErasedPrefix = z.object({
  prefix: z.string().describe("The subject's folder under one top-level prefix (photos, crops, adapters...)"),
  versionsDeleted: z
    .number()
    .int()
    .nonnegative()
    .describe('Object versions and delete markers deleted for good'),
  remaining: z.number().int().nonnegative().describe('Versions a re-list found after the deletion'),
});
const ErasedStore = z.object({
  store: z.string().describe('A store of subject-scoped rows: ledger, model registry, training state, ...'),
  rowsDeleted: z.number().int().nonnegative(),
  remaining: z.number().int().nonnegative(),
});

export const SubjectErased = z.object({
  version: z.literal(1),
  tenantId: EventTenant,
  subjectId: SubjectId,
  erasureId: ErasureId,
  correlationId: CorrelationId.optional(),
  requestedBy: z.enum(['api', 'partner', 'cli']),
  requestedAt: z.string(),
  erasedAt: z.string(),
  seconds: z.number().nonnegative().describe('From the request to the verified re-list'),
  executionsStopped: z
    .number()
    .int()
    .nonnegative()
    .describe("The subject's training and generation executions that were running"),
  manifest: z.object({
    objects: z.array(ErasedPrefix),
    records: z.array(ErasedStore),
    remaining: z.number().int().nonnegative().describe('Objects and rows left in total: 0'),
  }),
});
export type SubjectErased = z.infer<typeof SubjectErased>;

export const SubjectErasureFailed = z.object({
  version: z.literal(1),
  tenantId: EventTenant,
  subjectId: SubjectId,
  erasureId: ErasureId,
  correlationId: CorrelationId.optional(),
  reason: z.string(),
  advice: z.string(),
});
export type SubjectErasureFailed = z.infer<typeof SubjectErasureFailed>;

/** The catalogue: one schema per `detail-type`. Partners read the JSON Schema exported from it. */
export const PIPELINE_EVENTS = {
  'Subject Received': SubjectReceived,
  'Subject Rejected': SubjectRejected,
  'Subject Accepted': SubjectAccepted,
  'Subject Processing Failed': SubjectProcessingFailed,
  'Image Set Superseded': ImageSetSuperseded,
  'Training Started': TrainingStarted,
  'Training Failed': TrainingFailed,
  'Model Ready': ModelReady,
  'Prompt Rejected': PromptRejected,
  'Avatars Ready': AvatarsReady,
  'Generation Failed': GenerationFailed,
  'Request Rejected': RequestRejected,
  'Avatar Generation Requested': AvatarGenerationRequested,
  'Webhook Endpoint Disabled': WebhookEndpointDisabled,
  'Subject Erasure Requested': SubjectErasureRequested,
  'Subject Erased': SubjectErased,
  'Subject Erasure Failed': SubjectErasureFailed,
} as const;
export type PipelineDetailType = keyof typeof PIPELINE_EVENTS;

/**
 * Detail-types partners put on our bus, each with the partner's own `source` (any source but EVENT_SOURCE: the
 * rule that admits them matches `{"anything-but": "avatar-pipeline"}`); every other one is published by us, with
 * source EVENT_SOURCE, and only a rule matching that source acts on it.
 */
export const INCOMING_DETAIL_TYPES: readonly PipelineDetailType[] = [
  'Avatar Generation Requested',
  'Subject Erasure Requested',
];

export class UnknownDetailTypeError extends Error {
  override name = 'UnknownDetailTypeError';
}

/** Validates a detail against the schema of its detail-type; throws a ZodError naming the bad fields. */
export function parsePipelineEventDetail(detailType: string, detail: unknown): unknown {
  const schema = PIPELINE_EVENTS[detailType as PipelineDetailType];
  if (!schema) {
    throw new UnknownDetailTypeError(
      `"${detailType}" is not a detail-type of ${EVENT_SOURCE}; expected one of ${Object.keys(PIPELINE_EVENTS).join(', ')}`,
    );
  }
  return schema.parse(detail);
}
