import { setTimeout as sleep } from 'node:timers/promises';
import { RekognitionClient } from '@aws-sdk/client-rekognition';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { requiredEnv } from '../platform/environment.js';
import { logger, tracer, withObservability } from '../platform/observability.js';
import { S3ObjectStore } from '../platform/s3-object-store.js';
import { SageMakerModelEndpoint } from '../serving/model-endpoint.js';
import { generateScreenedImage, readGenerationPolicyFromEnvironment } from './generate-screened-image.js';
import { parseGenerateScreenedImageInput } from './generation-inputs.js';
import { RekognitionImageScreen } from './image-screen.js';

const policy = readGenerationPolicyFromEnvironment();
const deps = {
  // The SDK's own retries would hide the attempts from the backoff; one attempt per call.
  endpoint: new SageMakerModelEndpoint(
    tracer.captureAWSv3Client(new SageMakerRuntimeClient({ maxAttempts: 1 })),
    requiredEnv('SERVING_ENDPOINT'),
  ),
  screen: new RekognitionImageScreen(
    tracer.captureAWSv3Client(new RekognitionClient({})),
    policy.moderation.minConfidence,
  ),
  store: new S3ObjectStore(tracer.captureAWSv3Client(new S3Client({})), requiredEnv('PHOTO_BUCKET')),
  policy,
  sleep: (ms: number) => sleep(ms).then(() => undefined),
  random: Math.random,
  log: (message: string, fields: Record<string, unknown>) => logger.info(message, fields),
};

/** GenerateScreenedImage task: one avatar, generated, screened, delivered or withheld. */
export const handler = withObservability(async (event: unknown) =>
  generateScreenedImage(parseGenerateScreenedImageInput(event), deps),
);
