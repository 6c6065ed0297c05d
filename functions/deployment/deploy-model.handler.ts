import { S3Client } from '@aws-sdk/client-s3';
import { requiredEnv } from '../platform/environment.js';
import { tracer, withObservability } from '../platform/observability.js';
import { S3ObjectStore } from '../platform/s3-object-store.js';
import { parseDeployModelInput } from '../training/training-inputs.js';
import { deployModel } from './deploy-model.js';

const bucket = requiredEnv('PHOTO_BUCKET');
const deps = {
  store: new S3ObjectStore(tracer.captureAWSv3Client(new S3Client({})), bucket),
  bucket,
  modelsPrefix: requiredEnv('MODELS_PREFIX'),
};

/** DeployModel task: the adapter package, copied under the multi-model endpoint's ModelDataUrl. */
export const handler = withObservability(async (event: unknown) =>
  deployModel(parseDeployModelInput(event), deps),
);
