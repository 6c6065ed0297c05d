import { S3Client } from '@aws-sdk/client-s3';
import { requiredEnv } from '../platform/environment.js';
import { withObservability } from '../platform/observability.js';
import { S3ObjectStore } from '../platform/s3-object-store.js';
import { type PrepareTrainingSetDependencies, prepareTrainingSet } from './prepare-training-set.js';
import { parsePrepareTrainingSetInput } from './prepare-training-set-input.js';
import { readTrainingSetPolicyFromEnvironment } from './training-set-policy.js';

// Built once per cold start.
const deps: PrepareTrainingSetDependencies = {
  store: new S3ObjectStore(new S3Client({}), requiredEnv('PHOTO_BUCKET')),
  policy: readTrainingSetPolicyFromEnvironment(),
};

/** PrepareTrainingSet task: the state machine's Payload in, `PrepareTrainingSetOutput` out. */
export const handler = withObservability(async (event: unknown) =>
  prepareTrainingSet(parsePrepareTrainingSetInput(event), deps),
);
