import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FolderObjectVersions } from '../../functions/erasure/object-versions.js';
import { FileImageLinks } from '../../functions/generation/file-image-links.js';
import type { FolderObjectStore } from '../../functions/platform/folder-object-store.js';
import type {
  AsyncInference,
  ExecutionControl,
  ExecutionStarter,
  LogFields,
  ModelEndpoint,
  Ports,
  TaskCallbacks,
} from '../../functions/task-registry.js';
import { UnscreenedContentModerator } from '../stand-ins/content-moderation.js';
import { SaliencyFaceAnalyzer } from '../stand-ins/face-analysis.js';
import { SkinToneFaceComparer } from '../stand-ins/face-comparison.js';
import { MarkedImageScreen, UnsafeMarkingEndpoint } from '../stand-ins/image-screening.js';
import { StopWordLanguageDetector, UnscreenedToxicityClassifier } from '../stand-ins/prompt-screening.js';
import type { LocalTopic } from './local-topic.js';

/**
 * Backoffs inside tasks (warm-up, generation retries) wait this many times shorter locally, as Wait states do:
 * the stand-ins answer at once, so waiting seconds would only slow the run, not change what it shows.
 */
export const LOCAL_WAIT_DIVISOR = 100;

export interface LocalPortsOptions {
  /** The folder that stands in for the ingest bucket (one bucket holds every prefix). */
  store: FolderObjectStore;
  /** The bucket name the stack gives the functions: any other name is a wiring mistake. */
  bucket: string;
  /** dynalite, with every table of the stack. */
  db: DynamoDBDocumentClient;
  trainingEndpoint: AsyncInference;
  modelEndpoint: ModelEndpoint;
  taskCallbacks: TaskCallbacks;
  /** The local workflow engine, by the state machine ARN the template resolves to. */
  executionStarter: (stateMachineArn: string) => ExecutionStarter;
  /** The local engine's running executions, and stopping one, by state machine ARN. */
  executionControl: (stateMachineArn: string) => ExecutionControl;
  /** The pipeline's clock: the sweep of quiet folders can be fast-forwarded. */
  now: () => number;
  log: (message: string, fields: LogFields) => void;
  /** Counts what tasks report as metrics (CloudWatch on AWS). */
  metrics: Map<string, number>;
  /** The stack's SNS topics, by the ARN a Ref to them resolves to locally (an unknown ARN is a wiring mistake). */
  topic: (topicArn: string) => LocalTopic;
}

/**
 * Every port, on this machine: a folder for S3, dynalite for DynamoDB, the local engine for Step Functions, and
 * stand-ins (named as such in every event) for SageMaker, Rekognition and Comprehend. This object implements the
 * whole `Ports` interface, so every task of the registry can be built locally; a port added for a new task and
 * not implemented here is a type error.
 */
export function localPorts(options: LocalPortsOptions): Ports {
  const { store, bucket } = options;
  const sameBucket = <T>(port: string, name: string, value: T): T => {
    if (name !== bucket) {
      throw new Error(`The local ${port} serves bucket "${bucket}", but a task asked for "${name}"`);
    }
    return value;
  };
  // The stand-in convention: images of prompts containing "[stand-in:unsafe]" are marked, and blocked.
  const modelEndpoint = new UnsafeMarkingEndpoint(options.modelEndpoint);
  return {
    clock: {
      now: options.now,
      sleep: (ms) => sleep(Math.ceil(ms / LOCAL_WAIT_DIVISOR)).then(() => undefined),
      random: Math.random,
    },
    log: {
      info: (message, fields = {}) => options.log(message, fields),
      warn: (message, fields = {}) => options.log(`[warn] ${message}`, fields),
      error: (message, fields = {}) => options.log(`[error] ${message}`, fields),
    },
    metrics: {
      count: (name, value = 1) => options.metrics.set(name, (options.metrics.get(name) ?? 0) + value),
    },
    provenance: {
      trainedBy: options.trainingEndpoint.performedBy,
      servedBy: options.modelEndpoint.performedBy,
      imagesScreenedBy: 'local-stand-in',
      photosCheckedBy: 'local-stand-in',
    },
    objectStore: (name) => sameBucket('object store', name, store),
    documentClient: () => options.db,
    faceAnalyzer: () => new SaliencyFaceAnalyzer(),
    faceComparer: () => new SkinToneFaceComparer(),
    contentModerator: () => new UnscreenedContentModerator(),
    executionStarter: options.executionStarter,
    asyncInference: () => options.trainingEndpoint,
    taskCallbacks: () => options.taskCallbacks,
    modelEndpoint: () => modelEndpoint,
    languageDetector: () => new StopWordLanguageDetector(),
    toxicityClassifier: () => new UnscreenedToxicityClassifier(),
    imageScreen: () => new MarkedImageScreen(),
    imageLinks: (name) => sameBucket('link signer', name, new FileImageLinks(store)),
    objectVersions: (name) => sameBucket('object store', name, new FolderObjectVersions(store)),
    executionControl: options.executionControl,
    operatorNotices: (topicArn) => ({
      publish: async (subject, message) => options.topic(topicArn).publish(message, subject),
    }),
  };
}
