/**
 * The AWS adapters of the ports, one factory per port: a handler names the ones its task needs, and esbuild
 * keeps only those (and their SDK clients) in its bundle. A client is created once per cold start and shared by
 * the adapters of one function. Lambda's active tracing records the invocation; the SDK calls are not wrapped.
 */
import { ComprehendClient } from '@aws-sdk/client-comprehend';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RekognitionClient } from '@aws-sdk/client-rekognition';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StepFunctionsExecutionControl } from './erasure/execution-control.js';
import { S3ObjectVersions } from './erasure/object-versions.js';
import {
  ComprehendLanguageDetector,
  ComprehendToxicityClassifier,
} from './generation/comprehend-prompt-screen.js';
import { S3PresignedImageLinks } from './generation/image-links.js';
import { RekognitionImageScreen } from './generation/image-screen.js';
import { StepFunctionsExecutionStarter } from './ingest/execution-starter.js';
import { SnsOperatorNotices } from './operations/operator-notices.js';
import { S3ObjectStore } from './platform/s3-object-store.js';
import type { Ports } from './ports.js';
import { SageMakerModelEndpoint } from './serving/model-endpoint.js';
import { SageMakerAsyncInference } from './training/async-inference.js';
import { StepFunctionsTaskCallbacks } from './training/task-callbacks.js';
import { RekognitionContentModerator } from './validation/rekognition-content-moderator.js';
import { RekognitionFaceAnalyzer } from './validation/rekognition-face-analyzer.js';
import { RekognitionFaceComparer } from './validation/rekognition-face-comparer.js';

const clients = new Map<string, unknown>();

/** One client per kind and configuration for the life of the execution environment. */
function client<T extends object>(key: string, create: () => T): T {
  let existing = clients.get(key) as T | undefined;
  if (!existing) {
    existing = create();
    clients.set(key, existing);
  }
  return existing;
}

const s3 = () => client('s3', () => new S3Client({}));
const rekognition = () => client('rekognition', () => new RekognitionClient({}));
const comprehend = () => client('comprehend', () => new ComprehendClient({}));
/** The SDK's own retries would hide attempts from our backoff (warm-up, generation): one attempt per call. */
const sageMakerRuntimeOnce = () =>
  client('sagemaker-runtime-once', () => new SageMakerRuntimeClient({ maxAttempts: 1 }));

export const s3ObjectStore: Ports['objectStore'] = (bucket) => new S3ObjectStore(s3(), bucket);

export const dynamoDocumentClient: Ports['documentClient'] = () =>
  client('dynamodb', () =>
    DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    }),
  );

export const rekognitionFaceAnalyzer: Ports['faceAnalyzer'] = () =>
  new RekognitionFaceAnalyzer(rekognition());

export const rekognitionFaceComparer: Ports['faceComparer'] = () =>
  new RekognitionFaceComparer(rekognition());

export const rekognitionContentModerator: Ports['contentModerator'] = () =>
  new RekognitionContentModerator(rekognition());

export const stepFunctionsExecutionStarter: Ports['executionStarter'] = (stateMachineArn) =>
  new StepFunctionsExecutionStarter(
    client('sfn', () => new SFNClient({})),
    stateMachineArn,
  );

export const sageMakerAsyncInference: Ports['asyncInference'] = (endpointName) =>
  new SageMakerAsyncInference(
    client('sagemaker-runtime', () => new SageMakerRuntimeClient({})),
    endpointName,
  );

export const stepFunctionsTaskCallbacks: Ports['taskCallbacks'] = () =>
  new StepFunctionsTaskCallbacks(client('sfn', () => new SFNClient({})));

export const sageMakerModelEndpoint: Ports['modelEndpoint'] = (endpointName) =>
  new SageMakerModelEndpoint(sageMakerRuntimeOnce(), endpointName);

export const comprehendLanguageDetector: Ports['languageDetector'] = () =>
  new ComprehendLanguageDetector(comprehend());

export const comprehendToxicityClassifier: Ports['toxicityClassifier'] = () =>
  new ComprehendToxicityClassifier(comprehend());

export const rekognitionImageScreen: Ports['imageScreen'] = (minConfidence) =>
  new RekognitionImageScreen(rekognition(), minConfidence);

export const s3PresignedImageLinks: Ports['imageLinks'] = (bucket) => new S3PresignedImageLinks(s3(), bucket);

export const s3ObjectVersions: Ports['objectVersions'] = (bucket) => new S3ObjectVersions(s3(), bucket);

export const stepFunctionsExecutionControl: Ports['executionControl'] = (stateMachineArn) =>
  new StepFunctionsExecutionControl(
    client('sfn', () => new SFNClient({})),
    stateMachineArn,
  );

export const snsOperatorNotices: Ports['operatorNotices'] = (topicArn) =>
  new SnsOperatorNotices(
    client('sns', () => new SNSClient({})),
    topicArn,
  );
