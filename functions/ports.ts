/**
 * Every port a task may be built with: the things that differ between AWS and this machine. The Lambda handlers
 * give each task the AWS adapters it needs (`aws-ports` beside each adapter); the local runtime implements the
 * whole interface once (`local/runtime/local-ports.ts`), so a task whose ports have no local implementation is a
 * type error there, not a surprise at run time.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ExecutionControl } from './erasure/execution-control.js';
import type { ObjectVersions } from './erasure/object-versions.js';
import type { ImageLinks } from './generation/image-links.js';
import type { ImageScreen } from './generation/image-screen.js';
import type { LanguageDetector, ToxicityClassifier } from './generation/prompt-screening.js';
import type { ExecutionStarter } from './ingest/execution-starter.js';
import type { OperatorNotices } from './operations/operator-notices.js';
import type { ObjectStore } from './platform/object-store.js';
import type { ModelEndpoint } from './serving/model-endpoint.js';
import type { AsyncInference } from './training/async-inference.js';
import type { TaskCallbacks } from './training/task-callbacks.js';
import type { ContentModerator } from './validation/content-moderation.js';
import type { FaceAnalyzer } from './validation/face-analysis.js';
import type { FaceComparer } from './validation/face-comparison.js';

/** Time, as tasks see it: the local runtime compresses waits the way it compresses Wait states. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** In [0, 1): jitter for backoffs. */
  random(): number;
}

export type LogFields = Record<string, unknown>;

/** Structured logs: CloudWatch through Powertools on AWS, the run's log locally. Never prompts, tokens or links. */
export interface TaskLog {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Counters of what a task did: CloudWatch metrics (EMF) on AWS, counted in memory locally. */
export interface TaskMetrics {
  count(name: string, value?: number): void;
}

/** Who does the work behind the ports, as events must say it (a stand-in never passes for the real service). */
export interface Provenance {
  readonly trainedBy: AsyncInference['performedBy'];
  readonly servedBy: ModelEndpoint['performedBy'];
  readonly imagesScreenedBy: ImageScreen['performedBy'];
  /** Who analyses the photos of a set (faces, moderation). */
  readonly photosCheckedBy: FaceAnalyzer['performedBy'];
}

export interface Ports {
  clock: Clock;
  log: TaskLog;
  metrics: TaskMetrics;
  provenance: Provenance;
  /** The ingest bucket: S3, or a folder locally. */
  objectStore(bucket: string): ObjectStore;
  /** DynamoDB: the real service, or dynalite locally (the same conditional-write semantics). */
  documentClient(): DynamoDBDocumentClient;
  faceAnalyzer(): FaceAnalyzer;
  /** Is it the same person? Compares a photo's face with the set's reference face (Rekognition CompareFaces). */
  faceComparer(): FaceComparer;
  contentModerator(): ContentModerator;
  /** Starts the training workflow (Step Functions StartExecution). */
  executionStarter(stateMachineArn: string): ExecutionStarter;
  /** The asynchronous inference endpoint that trains. */
  asyncInference(endpointName: string): AsyncInference;
  /** SendTaskSuccess / SendTaskFailure of a `.waitForTaskToken` state. */
  taskCallbacks(): TaskCallbacks;
  /** The GPU multi-model endpoint that serves every subject's model. */
  modelEndpoint(endpointName: string): ModelEndpoint;
  languageDetector(): LanguageDetector;
  toxicityClassifier(): ToxicityClassifier;
  imageScreen(minConfidence: number): ImageScreen;
  /** Links a person can open to fetch a delivered avatar. */
  imageLinks(bucket: string): ImageLinks;
  /** The operators' topic: the daily summary (counts only). */
  operatorNotices(topicArn: string): OperatorNotices;
  /** Every version of the bucket's objects, and their permanent deletion (erasure). */
  objectVersions(bucket: string): ObjectVersions;
  /** The running executions of a state machine, and stopping one (erasure). */
  executionControl(stateMachineArn: string): ExecutionControl;
}

/** The ports every task gets without asking: the Lambda shell and the local runtime always provide them. */
export type CommonPorts = Pick<Ports, 'clock' | 'log' | 'metrics' | 'provenance'>;
export type CommonPortName = keyof CommonPorts;

export type { ExecutionControl, RunningExecution } from './erasure/execution-control.js';
export type { ObjectVersion, ObjectVersions } from './erasure/object-versions.js';
// What an implementation of a port needs: the port interfaces, the values they exchange, and the contracts of the
// services behind them (the training container's request and response). The local stand-ins import these from here.
export type { ImageLink, ImageLinks } from './generation/image-links.js';
export type { ImageScreen } from './generation/image-screen.js';
export type {
  LanguageDetection,
  LanguageDetector,
  ToxicityClassifier,
  ToxicityScores,
} from './generation/prompt-screening.js';
export type { ExecutionStarter } from './ingest/execution-starter.js';
export { ASYNC_FAILURE_PREFIX, ASYNC_OUTPUT_PREFIX } from './platform/bucket-layout.js';
export { ObjectNotFoundError } from './platform/errors.js';
export type { ObjectStore, StoredObject } from './platform/object-store.js';
export { keyInBucket, s3Uri } from './platform/s3-uri.js';
export type { ModelEndpoint } from './serving/model-endpoint.js';
export type { AsyncInference } from './training/async-inference.js';
export type { TaskCallbacks } from './training/task-callbacks.js';
export { TrainingRequest, TrainingResponse } from './training/training-request.js';
export type { AnalysisImage } from './validation/analysis-image.js';
export type { ContentModerator, ModerationLabel } from './validation/content-moderation.js';
export type { DetectedFace, FaceAnalyzer, PhotoContext } from './validation/face-analysis.js';
export type { FaceComparer, FaceSimilarity } from './validation/face-comparison.js';
