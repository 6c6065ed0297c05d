import { S3Client } from '@aws-sdk/client-s3';
import { requiredEnv } from '../platform/environment.js';
import { tracer, withObservability } from '../platform/observability.js';
import { S3ObjectStore } from '../platform/s3-object-store.js';
import { planTraining } from './plan-training.js';
import { parsePlanTrainingInput } from './training-inputs.js';

const bucket = requiredEnv('PHOTO_BUCKET');
const deps = {
  store: new S3ObjectStore(tracer.captureAWSv3Client(new S3Client({})), bucket),
  bucket,
  baseModel: requiredEnv('BASE_MODEL'),
  trainedBy: 'amazon-sagemaker' as const,
};

/** PlanTraining task: hyperparameters, model version and the training request in S3. */
export const handler = withObservability(async (event: unknown) =>
  planTraining(parsePlanTrainingInput(event), deps),
);
