/**
 * The training workflow's contract, the only source of what flows through it: its execution input, the input and
 * output schema of each task, its state names, where each state writes its result, and the error names its Retry
 * and Catch rules match. `workflow.ts` wires these paths with CDK; the task descriptors parse with these schemas;
 * the error classes take their names from here.
 */
import * as z from 'zod';
import { DEFAULT_TENANT_ID, SubjectId, TenantId } from '../../events/identifiers.js';
import { RunMode } from '../../events/run-mode.js';

/** Every task input names its tenant; an absent one is the default tenant's (single-team deployments). */
const Tenant = TenantId.default(DEFAULT_TENANT_ID);
/** Every task that acts differently in a dry run is told the mode; absent means live (an older definition). */
const Mode = RunMode.optional();

import {
  ModelReady,
  PhotoRef,
  SubjectAccepted,
  SubjectReceived,
  SubjectRejected,
  TrainingFailed,
  TrainingStarted,
} from '../../events/pipeline-events.js';
import { SubjectSettings } from '../../events/subject-settings.js';
import type { ContractError } from '../error-contract.js';

/** A folder whose name is not a valid subject id: its execution only reports that, once per folder name. */
export const RejectedFolder = z.object({
  tenantId: Tenant,
  folder: z.string(),
  reason: z.string(),
  suggestedSubjectId: SubjectId,
});
export type RejectedFolder = z.infer<typeof RejectedFolder>;

/**
 * Execution input, given by the ingest function (and the sweep) when a subject folder receives its first object
 * of a generation: the execution settles the set itself. One execution per generation, named after it, so a
 * repeated start is a no-op.
 */
export const TrainingExecutionInput = z.union([
  z.object({ tenantId: Tenant, subjectId: SubjectId, generation: z.number().int().positive() }),
  z.object({ rejectedFolder: RejectedFolder }),
]);
export type TrainingExecutionInput = z.infer<typeof TrainingExecutionInput>;

/** SettleImageSet: the whole state in (the previous decision at `$.settle`, absent on the first check). */
export const SettleImageSetInput = z.object({
  tenantId: Tenant,
  subjectId: SubjectId.optional(),
  generation: z.number().int().positive().optional(),
  rejectedFolder: RejectedFolder.optional(),
  settle: z
    .object({
      decision: z.string(),
      seenActivity: z.number().int().optional(),
      reason: z.string().optional(),
    })
    .passthrough()
    .optional(),
});
export type SettleImageSetInput = z.infer<typeof SettleImageSetInput>;

/** Why the set waits, and what it is sealed by when nothing arrives during the wait. */
export const SettleReason = z.enum(['subject-json', 'quiet-period', 'incomplete-timeout']);
export type SettleReason = z.infer<typeof SettleReason>;

/** SettleImageSet's result: `decision` drives the IsImageSetSealed Choice. */
export const SettleDecision = z.discriminatedUnion('decision', [
  z.object({
    decision: z.literal('wait'),
    waitSeconds: z.number().int().positive(),
    /** The folder's activity count at this check: the same count at the next one means nothing arrived. */
    seenActivity: z.number().int(),
    reason: SettleReason,
  }),
  z.object({ decision: z.literal('sealed'), received: SubjectReceived }),
  z.object({ decision: z.literal('rejected'), rejected: SubjectRejected }),
  /** A newer generation of the subject exists: this execution has nothing to do (the newer one reports). */
  z.object({ decision: z.literal('stale') }),
]);
export type SettleDecision = z.infer<typeof SettleDecision>;

/** ValidateImages: the `Subject Received` detail, of which it reads these fields (extra fields ignored). */
export const ValidateImagesInput = z.object({
  tenantId: Tenant,
  mode: Mode,
  subjectId: z.string().min(1),
  imageSetId: z.string().min(1),
  photos: z.array(PhotoRef),
  settings: SubjectSettings,
  /** Set when subject.json could not be used: the subject is rejected with this reason. */
  settingsProblem: z.string().optional(),
});
export type ValidateImagesInput = z.infer<typeof ValidateImagesInput>;

const Ratio = z.number().min(0).max(1);

/** Where the face is, as ratios of the EXIF-oriented image (Rekognition's BoundingBox convention). */
export const FaceBox = z.object({ left: Ratio, top: Ratio, width: Ratio, height: Ratio });
export type FaceBox = z.infer<typeof FaceBox>;

export const UsablePhoto = z.object({
  key: z.string().min(1),
  /** From Rekognition, or estimated by the local stand-in (which says so). */
  faceBox: FaceBox,
});
export type UsablePhoto = z.infer<typeof UsablePhoto>;

/** ValidateImages' result: `outcome` drives the Choice state. */
export const ValidateImagesOutput = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.literal('accepted'),
    usable: z.array(UsablePhoto),
    /** The `Subject Accepted` detail without `trainingSet`, which PrepareTrainingSet adds. */
    accepted: SubjectAccepted.omit({ trainingSet: true }),
  }),
  z.object({ outcome: z.literal('rejected'), rejected: SubjectRejected }),
]);
export type ValidateImagesOutput = z.infer<typeof ValidateImagesOutput>;

export const PrepareTrainingSetInput = z.object({
  tenantId: Tenant,
  subjectId: z.string().min(1),
  imageSetId: z.string().min(1),
  photos: z.array(UsablePhoto).min(1),
  settings: SubjectSettings,
});
export type PrepareTrainingSetInput = z.infer<typeof PrepareTrainingSetInput>;

export const PrepareTrainingSetOutput = z.object({ trainingSet: SubjectAccepted.shape.trainingSet });
export type PrepareTrainingSetOutput = z.infer<typeof PrepareTrainingSetOutput>;

/** PlanTraining. `settings` is judged by the task itself (the subject.json schema). */
export const PlanTrainingInput = z.object({
  tenantId: Tenant,
  subjectId: z.string(),
  imageSetId: z.string(),
  manifestKey: z.string(),
  settings: z.unknown(),
});
export type PlanTrainingInput = z.infer<typeof PlanTrainingInput>;

export const TrainingPlan = z.object({
  modelVersion: z.string(),
  requestKey: z.string(),
  /** Always present, so that the states after PlanTraining can pass it on by path. */
  mode: RunMode,
  /** The `Training Started` detail, less `queuedSeconds`, which AcquireTrainingSlot measures. */
  started: TrainingStarted.omit({ queuedSeconds: true }),
});
export type TrainingPlan = z.infer<typeof TrainingPlan>;

/** AcquireTrainingSlot and both ReleaseTrainingSlot states. */
export const SlotRequest = z.object({
  tenantId: Tenant,
  executionName: z.string().min(1),
  /** The execution's start time: fixes the subject's place in the queue across retries. */
  enqueuedAt: z.string().min(1),
  subjectId: z.string(),
});
export type SlotRequest = z.infer<typeof SlotRequest>;

/** AcquireTrainingSlot's result: `acquired` and `superseded` drive the HasTrainingSlot Choice. */
export const SlotDecision = z.union([
  z.object({ acquired: z.literal(true), queuedSeconds: z.number() }),
  /** Not yet: `position` among the waiters, and how long WaitForTrainingSlot waits before the next poll. */
  z.object({
    acquired: z.literal(false),
    position: z.number().int(),
    retryInSeconds: z.number().int().positive(),
  }),
  /** New objects arrived after this set was sealed: the newer set trains instead, this one never does. */
  z.object({ acquired: z.literal(false), superseded: z.literal(true) }),
]);
export type SlotDecision = z.infer<typeof SlotDecision>;

export const SlotReleased = z.object({ released: z.boolean() });

/** Train (`.waitForTaskToken`): the function queues the training; the state's result is what the callback sends. */
export const StartTrainingInput = z.object({
  tenantId: Tenant,
  /** dry-run: the stand-in trains at once and sends the task success itself; SageMaker is never called. */
  mode: Mode,
  taskToken: z.string().min(1),
  executionName: z.string().min(1),
  subjectId: z.string(),
  modelVersion: z.string(),
  requestKey: z.string(),
});
export type StartTrainingInput = z.infer<typeof StartTrainingInput>;

export const TrainingQueued = z.object({ inferenceId: z.string() });

/** The Train state's result (the SendTaskSuccess output of the callback). */
export const TrainingCompleted = z.object({
  inferenceId: z.string(),
  outputLocation: z.string(),
  /** SHA-256 of the adapter package the callback checked and recorded (DeployModel checks it again). */
  adapterSha256: z
    .string()
    .regex(/^[a-f0-9]{64}$/)
    .optional(),
});
export type TrainingCompleted = z.infer<typeof TrainingCompleted>;

/** ExplainTrainingFailure: the whole execution state (`plan` is absent when planning itself failed). */
export const FailedTrainingState = z.object({
  received: z.object({ tenantId: Tenant, mode: Mode, subjectId: z.string(), imageSetId: z.string() }),
  plan: z.object({ modelVersion: z.string().optional() }).optional(),
  failedStage: z.string(),
  failure: z.object({ Error: z.string(), Cause: z.string().optional() }),
});
export type FailedTrainingState = z.infer<typeof FailedTrainingState>;

export const DeployModelInput = z.object({
  tenantId: Tenant,
  subjectId: z.string(),
  modelVersion: z.string(),
  /** Where SageMaker stored the training container's response (from the success notification). */
  outputLocation: z.string(),
  /** The inference whose token row holds the plan and the adapter's recorded digest (DeployModel checks both). */
  inferenceId: z.string().min(1).optional(),
});
export type DeployModelInput = z.infer<typeof DeployModelInput>;

export const DeployedModel = z.object({
  targetModel: z.string(),
  modelKey: z.string(),
  adapterBytes: z.number(),
  trainingSeconds: z.number(),
  baseModel: z.string(),
});
export type DeployedModel = z.infer<typeof DeployedModel>;

export const WarmUpInput = z.object({ targetModel: z.string().min(1), mode: Mode });
export type WarmUpInput = z.infer<typeof WarmUpInput>;

export const WarmUpResult = z.object({ warmUpSeconds: z.number(), attempts: z.number().int() });
export type WarmUpResult = z.infer<typeof WarmUpResult>;

export const RegisterModelInput = z.object({
  started: z.object({
    version: z.literal(1),
    tenantId: Tenant,
    mode: Mode,
    subjectId: z.string(),
    imageSetId: z.string(),
    modelVersion: z.string(),
    baseModel: z.string(),
    hyperparameters: z.any(),
    trainedBy: TrainingStarted.shape.trainedBy,
  }),
  deployed: DeployedModel,
  warmUp: z.object({ warmUpSeconds: z.number() }),
  /**
   * The subject.json settings this execution trained with (`$.received.settings`), recorded with the model so
   * that every generation from it uses the same token, class word and prompts. The workflow always passes them;
   * optional only for executions started by an older definition, which a deployment does not change.
   */
  settings: SubjectSettings.optional(),
});
export type RegisterModelInput = z.infer<typeof RegisterModelInput>;

/** Each task's schemas, by state name: the local runtime checks every result against its output schema. */
export const TrainingTaskSchemas = {
  SettleImageSet: { input: SettleImageSetInput, output: SettleDecision },
  ValidateImages: { input: ValidateImagesInput, output: ValidateImagesOutput },
  PrepareTrainingSet: { input: PrepareTrainingSetInput, output: PrepareTrainingSetOutput },
  PlanTraining: { input: PlanTrainingInput, output: TrainingPlan },
  AcquireTrainingSlot: { input: SlotRequest, output: SlotDecision },
  ReleaseTrainingSlot: { input: SlotRequest, output: SlotReleased },
  ReleaseTrainingSlotAfterFailure: { input: SlotRequest, output: SlotReleased },
  Train: { input: StartTrainingInput, output: TrainingQueued },
  ExplainTrainingFailure: { input: FailedTrainingState, output: TrainingFailed },
  DeployModel: { input: DeployModelInput, output: DeployedModel },
  WarmUpModel: { input: WarmUpInput, output: WarmUpResult },
  RegisterModel: { input: RegisterModelInput, output: ModelReady },
} as const;

/** State names are part of the contract: the local runtime and the tests address states by name. */
export const TrainingStates = {
  settleImageSet: 'SettleImageSet',
  isImageSetSealed: 'IsImageSetSealed',
  waitForImageSetToSettle: 'WaitForImageSetToSettle',
  recordSealedImageSet: 'RecordSealedImageSet',
  publishFolderRejected: 'PublishFolderRejected',
  folderRejected: 'FolderRejected',
  staleGeneration: 'StaleGeneration',
  recordSettleFailure: 'RecordFailedStageSettleImageSet',
  publishSettleFailed: 'PublishSettleFailed',
  publishReceived: 'PublishSubjectReceived',
  validateImages: 'ValidateImages',
  isSubjectUsable: 'IsSubjectUsable',
  publishRejected: 'PublishSubjectRejected',
  prepareTrainingSet: 'PrepareTrainingSet',
  publishAccepted: 'PublishSubjectAccepted',
  publishFailed: 'PublishSubjectProcessingFailed',
  isDryRunFailure: 'IsDryRunFailure',
  publishDryRunFailed: 'PublishDryRunSubjectProcessingFailed',
  rejected: 'SubjectRejected',
  failed: 'ProcessingFailed',
  planTraining: 'PlanTraining',
  acquireTrainingSlot: 'AcquireTrainingSlot',
  hasTrainingSlot: 'HasTrainingSlot',
  waitForTrainingSlot: 'WaitForTrainingSlot',
  publishTrainingStarted: 'PublishTrainingStarted',
  train: 'Train',
  releaseTrainingSlot: 'ReleaseTrainingSlot',
  deployModel: 'DeployModel',
  warmUpModel: 'WarmUpModel',
  registerModel: 'RegisterModel',
  publishImageSetSuperseded: 'PublishImageSetSuperseded',
  imageSetSuperseded: 'ImageSetSuperseded',
  publishModelReady: 'PublishModelReady',
  modelReady: 'ModelReady',
  releaseAfterFailure: 'ReleaseTrainingSlotAfterFailure',
  explainTrainingFailure: 'ExplainTrainingFailure',
  publishTrainingFailed: 'PublishTrainingFailed',
  trainingFailed: 'TrainingFailed',
} as const;

/** Where each state writes its result in the execution state; the schemas above say what lies there. */
export const TrainingPaths = {
  settle: '$.settle',
  received: '$.received',
  validation: '$.validation',
  prepared: '$.prepared',
  plan: '$.plan',
  slot: '$.slot',
  training: '$.training',
  deployed: '$.deployed',
  warmUp: '$.warmUp',
  modelReady: '$.modelReady',
  trainingFailure: '$.trainingFailure',
  releaseFailure: '$.releaseFailure',
  failure: '$.failure',
  failedStage: '$.failedStage',
} as const;

/**
 * The error names the workflow's Retry and Catch rules match and its Fail states end with. Each entry says
 * whether retrying can help: a Retry rule lists exactly the retryable names of its task.
 */
export const TrainingErrors = {
  /** SettleImageSet: another delivery changed the subject while it read it. */
  ledgerContention: { name: 'LedgerContentionError', retryable: true },
  /** ValidateImages: Rekognition throttled or down. */
  faceAnalysisUnavailable: { name: 'FaceAnalysisUnavailableError', retryable: true },
  /** WarmUpModel: the new model did not answer within its own retries. */
  modelWarmUpFailed: { name: 'ModelWarmUpFailedError', retryable: true },
  /** Train: the endpoint's ErrorTopic reported the training failed (SendTaskFailure). */
  trainingEndpointFailed: { name: 'TrainingEndpointFailed', retryable: false },
  /** DeployModel: the training response does not follow the container's contract. */
  unexpectedTrainingResponse: { name: 'UnexpectedTrainingResponseError', retryable: false },
  /** Any task: its payload did not match this contract (a wiring mistake). */
  malformedTaskInput: { name: 'MalformedTrainingTaskInputError', retryable: false },
  /** `error` of the Fail state that ends a failed training or deployment. */
  trainingFailed: { name: 'TrainingFailed', retryable: false },
  /** `error` of the Fail state that ends every failed validation or preparation. */
  subjectProcessingFailed: { name: 'SubjectProcessingFailed', retryable: false },
} as const satisfies Record<string, ContractError>;

export const PROCESSING_FAILED_ADVICE =
  'The photos are kept. The pipeline retried and gave up; once the cause is fixed, redrive this execution (Step Functions RedriveExecution, from the failed state), or change the set of photos to start a new image set (re-dropping the same files is a no-op by design).';

export const IMAGE_SET_SUPERSEDED_REASON =
  'New files arrived in the subject folder after this set of photos was sealed and before it started training; the newer set replaces it, so the folder is trained once.';
export const IMAGE_SET_SUPERSEDED_ADVICE =
  'Nothing to do: the newer set is validated and trained instead (its Subject Received event follows). Upload a folder in one go to avoid replaced sets.';
