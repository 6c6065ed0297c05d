/**
 * What flows through the training state machine: its execution input and the input and output of each
 * Lambda task. The ASL (workflow.ts) wires these paths; the functions implement them.
 */
import type {
  PhotoRef,
  SubjectAccepted,
  SubjectReceived,
  SubjectRejected,
} from '../../events/pipeline-events.js';
import type { SubjectSettings } from '../../events/subject-settings.js';

/** Execution input, written by the ingest function when it seals a subject. */
export interface TrainingExecutionInput {
  /** The `Subject Received` detail, published as-is by the first state. */
  received: SubjectReceived;
}

/** Payload of ValidateImages: the `Subject Received` detail, of which it reads these fields. */
export interface ValidateImagesInput {
  subjectId: string;
  imageSetId: string;
  photos: PhotoRef[];
  settings: SubjectSettings;
  /** Set when subject.json could not be used: the subject is rejected with this reason. */
  settingsProblem?: string;
}

/** Where the face is, as ratios of the EXIF-oriented image (Rekognition's BoundingBox convention). */
export interface FaceBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface UsablePhoto {
  key: string;
  /** From Rekognition, or estimated by the local stand-in (which says so). */
  faceBox: FaceBox;
}

/** Result of ValidateImages: `outcome` drives the Choice state. */
export type ValidateImagesOutput =
  | {
      outcome: 'accepted';
      usable: UsablePhoto[];
      /** The `Subject Accepted` detail without `trainingSet`, which PrepareTrainingSet adds. */
      accepted: Omit<SubjectAccepted, 'trainingSet'>;
    }
  | { outcome: 'rejected'; rejected: SubjectRejected };

export interface PrepareTrainingSetInput {
  subjectId: string;
  imageSetId: string;
  photos: UsablePhoto[];
  settings: SubjectSettings;
}

export interface PrepareTrainingSetOutput {
  trainingSet: SubjectAccepted['trainingSet'];
}

/** State names are part of the contract: the local runtime and the tests address states by name. */
export const TrainingStates = {
  publishReceived: 'PublishSubjectReceived',
  validateImages: 'ValidateImages',
  isSubjectUsable: 'IsSubjectUsable',
  publishRejected: 'PublishSubjectRejected',
  prepareTrainingSet: 'PrepareTrainingSet',
  publishAccepted: 'PublishSubjectAccepted',
  publishFailed: 'PublishSubjectProcessingFailed',
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
  publishModelReady: 'PublishModelReady',
  modelReady: 'ModelReady',
  releaseAfterFailure: 'ReleaseTrainingSlotAfterFailure',
  explainTrainingFailure: 'ExplainTrainingFailure',
  publishTrainingFailed: 'PublishTrainingFailed',
  trainingFailed: 'TrainingFailed',
} as const;
